"""Plan-document validation in the reader's language. The engine (no Django) keeps each message's English template
and parameters; ``plan_document_check`` translates them, nested parts included ("must be %(what)s" with "a percentage
between 0 and 100"). English stays as the engine writes it."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from plans.engine import PlanError, plan_from_document
from plans.services_plan_versions import plan_document_check
from plans.tests.conftest import PLAN
from tests.helpers import token_client

pytestmark = pytest.mark.django_db

BAD = {
    **PLAN,
    "rank_grace_periods": 99,
    "components": [{"type": "unilevel", "code": "unilevel", "rates": ["150"], "min_rank": "gold"}],
}


def errors_in(language: str) -> dict[str, list[str]]:
    with translation.override(language), pytest.raises(ValidationError) as refused:
        plan_document_check(document=BAD)
    return refused.value.message_dict


def test_the_engine_still_speaks_english():
    with pytest.raises(PlanError) as refused:
        plan_from_document(BAD)
    assert refused.value.errors == {
        "components[0].rates[0]": ["must be a percentage between 0 and 100"],
        "components[0].min_rank": ["must be one of the plan's rank codes (bronze, silver)"],
        "rank_grace_periods": ["must be a whole number between 0 and 24"],
    }


def test_plan_document_errors_in_spanish():
    assert errors_in("es") == {
        "document.components[0].rates[0]": ["debe ser un porcentaje entre 0 y 100"],
        "document.components[0].min_rank": ["debe ser uno de los códigos de rango del plan (bronze, silver)"],
        "document.rank_grace_periods": ["debe ser un número entero entre 0 y 24"],
    }
    assert errors_in("en")["document.rank_grace_periods"] == ["must be a whole number between 0 and 24"]


def test_the_plan_api_answers_in_the_requested_language(alpha, admin):
    api = token_client(alpha, admin)
    refused = api.post("/api/v1/plan-versions/", {"document": BAD}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Datos no válidos."
    assert refused.json()["errors"]["document.components[0].rates[0]"] == ["debe ser un porcentaje entre 0 y 100"]
