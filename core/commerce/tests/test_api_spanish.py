"""API errors in the language the client asks for (Accept-Language): a 400 names the field with the Spanish
message, parameters filled in; without the header the API answers in English."""

import pytest

from core.commerce.tests.test_api import token
from core.commerce.tests.test_api_admin import API, JSON, people  # noqa: F401 - people is a fixture

pytestmark = pytest.mark.django_db

ES = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture
def staff(alpha, alpha_client, people):  # noqa: F811
    return token(alpha_client, alpha.admin_email)


def test_a_400_in_spanish_names_the_field(alpha_client, staff):
    negative = alpha_client.patch(f"{API}products/SHAKE/", {"pv": "-1"}, **JSON, **staff, **ES)
    assert negative.status_code == 400
    assert negative.json() == {"detail": "Datos no válidos.", "errors": {"pv": ["No puede ser negativo."]}}
    unknown = alpha_client.patch(f"{API}products/SHAKE/", {"category_slug": "nope"}, **JSON, **staff, **ES)
    assert unknown.json()["errors"] == {"category_slug": ["No existe la categoría «nope»."]}
    first = alpha_client.post(f"{API}coupons/", {"code": "SPRING10", "kind": "percent", "value": "10"}, **JSON, **staff)
    assert first.status_code == 201, first.content
    over = alpha_client.post(
        f"{API}coupons/", {"code": "HALF", "kind": "percent", "value": "150"}, **JSON, **staff, **ES
    )
    assert over.json()["errors"] == {"value": ["Un porcentaje no puede ser mayor que 100."]}
    dup = alpha_client.post(
        f"{API}coupons/", {"code": "spring10", "kind": "amount", "value": "5"}, **JSON, **staff, **ES
    )
    assert dup.json()["errors"] == {"code": ["El código de cupón «spring10» ya está en uso."]}


def test_without_accept_language_the_api_answers_in_english(alpha_client, staff):
    negative = alpha_client.patch(f"{API}products/SHAKE/", {"pv": "-1"}, **JSON, **staff)
    assert negative.json() == {"detail": "Invalid input.", "errors": {"pv": ["Must not be negative."]}}
