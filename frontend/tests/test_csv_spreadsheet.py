"""Every CSV download in two forms: for machines (dot decimals, ISO dates, commas) and for a person's spreadsheet in
their language (``?layout=spreadsheet``: "30,50" and "3/11/2026" separated by ";" in Spanish, with a UTF-8 BOM)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from core.commerce.models import MemberVolume
from core.commerce.public import company_date, period_start_for
from core.members.models import Member
from frontend.common.csv import spreadsheet_rows

pytestmark = pytest.mark.django_db


def _rows(response) -> list[str]:
    return b"".join(response.streaming_content).decode("utf-8").splitlines()


def test_the_level_list_downloads_for_a_spanish_spreadsheet_and_for_machines(alpha, ann_client, org):
    with schema_context(alpha.schema):
        start = period_start_for(company_date(timezone.now()))
        MemberVolume.objects.create(member=org.cat, period_start=start, pv="1230.50", psv="1230.50", cv="1230.50")
        joined = Member.objects.get(pk=org.cat.pk).joined_at
    spanish = ann_client.get("/office/genealogy/levels.csv?sort=-pv&layout=spreadsheet", HTTP_ACCEPT_LANGUAGE="es")
    assert spanish["Content-Type"] == "text/csv; charset=utf-8"
    rows = _rows(spanish)
    assert rows[0].startswith("\ufeff") and ";" in rows[0]
    cat = rows[1].split(";")
    assert cat[1:4] == [str(org.cat.number), "Cat Tester", "cat"] and cat[6] == "1230,50"
    local_joined = timezone.localtime(joined).date()
    assert cat[8] == f"{local_joined.day}/{local_joined.month}/{local_joined.year}"

    machine = _rows(ann_client.get("/office/genealogy/levels.csv?sort=-pv", HTTP_ACCEPT_LANGUAGE="es"))
    assert machine[1].split(",")[6] == "1230.50"


def test_spreadsheet_cells_follow_the_language_and_stay_safe():
    row = [Decimal("-1234.5"), Decimal("12.50"), 7, datetime.date(2026, 11, 3), "=SUM(A1)", None]
    with translation.override("es"):
        assert list(spreadsheet_rows([row])) == [["-1234,5", "12,50", 7, "3/11/2026", "=SUM(A1)", None]]
    with translation.override("en"):
        assert list(spreadsheet_rows([row])) == [["-1234.5", "12.50", 7, "11/3/2026", "=SUM(A1)", None]]
