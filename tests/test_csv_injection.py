"""Issue 12 item 14: every CSV the product writes escapes cells a spreadsheet would run as a formula (OWASP: a single
quote in front), while numbers, negative ones included, stay numbers."""

import io
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.csv_safe import csv_cell, csv_writer
from core.members.models import Member
from core.members.services.enrolment import member_enroll
from frontend.tests.conftest import signed_in


@pytest.mark.parametrize(
    ("value", "written"),
    [
        pytest.param('=HYPERLINK("http://evil.test","x")', '\'=HYPERLINK("http://evil.test","x")', id="equals"),
        pytest.param("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0", id="plus-formula"),
        pytest.param("-2+3", "'-2+3", id="minus-formula"),
        pytest.param("@SUM(A1:A9)", "'@SUM(A1:A9)", id="at"),
        pytest.param("\t=1+1", "'\t=1+1", id="tab"),
        pytest.param("\r=1+1", "'\r=1+1", id="carriage-return"),
        pytest.param("-12.50", "-12.50", id="negative-amount-text"),
        pytest.param("+3", "+3", id="signed-integer-text"),
        pytest.param("-1e5", "'-1e5", id="exponent-is-not-a-plain-number"),
        pytest.param(Decimal("-12.50"), Decimal("-12.50"), id="decimal"),
        pytest.param(-7, -7, id="int"),
        pytest.param("Ann O'Neil", "Ann O'Neil", id="plain-text"),
        pytest.param("", "", id="empty"),
        pytest.param(None, None, id="none"),
    ],
)
def test_csv_cell(value, written):
    assert csv_cell(value) == written


def test_writer_escapes_every_cell_and_keeps_streaming_echo_files():
    class Echo:
        def write(self, value):
            return value

    assert csv_writer(Echo()).writerow(["=1+1", "-12.50", Decimal("3.00")]) == "'=1+1,-12.50,3.00\r\n"
    buffer = io.StringIO()
    csv_writer(buffer).writerows([["@x"], ["ok"]])
    assert buffer.getvalue() == "'@x\r\nok\r\n"


@pytest.mark.django_db
def test_members_export_escapes_a_formula_name(alpha):
    with schema_context(alpha.schema):
        member_enroll(
            sponsor=None,
            username="evil",
            email="evil@example.test",
            first_name='=HYPERLINK("http://evil.test","Click")',
            last_name="-Smith",
            password=PASSWORD,
        )
        assert Member.objects.filter(username="evil").count() == 1
    admin = signed_in(alpha, alpha.admin_email)
    for url in ("/api/v1/members/export/", "/console/members/export.csv"):
        body = b"".join(admin.get(url).streaming_content).decode()
        assert '"\'=HYPERLINK(""http://evil.test"",""Click"")"' in body, url
        assert ",'-Smith," in body, url
        assert ",=HYPERLINK" not in body, url
