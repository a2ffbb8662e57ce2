"""Issue 15 in the console: closing a period, confirmation pages that show what a money action will do (and refuse
a total the admin did not see), payout batches that name what they settle, and the money audit log by role. The
company and its numbers: frontend/tests/plans_data.py (January pays root 15.00, a 15.00, b 10.00)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.accounts.models import Role
from core.accounts.services import user_create
from core.commerce.public import company_date
from frontend.tests.conftest import signed_in
from frontend.tests.plans_data import post_run
from plans.models import MoneyAuditEntry, PayoutBatch
from plans.services import period_get_or_create
from plans.services_adjustments import ledger_adjust

pytestmark = pytest.mark.django_db


def test_a_period_cannot_be_closed_before_its_last_day_is_over(alpha, admin, company):
    with schema_context(alpha.schema):
        current = period_get_or_create(day=company_date(timezone.now()))
    page = admin.get(f"/console/commissions/periods/{current.pk}/close/").content.decode()
    assert f"The period runs until {current.end:%Y-%m-%d}; it can be closed from" in page
    refused = admin.post(f"/console/commissions/periods/{current.pk}/close/", {"confirm": "on", "expected_total": "0"})
    assert refused.status_code == 200 and "it can be closed from" in refused.content.decode()
    with schema_context(alpha.schema):
        current.refresh_from_db()
        assert current.closed_at is None


def test_the_periods_page_offers_close_until_a_period_is_closed(alpha, admin, company):
    january = company["january"]
    assert (
        f'href="/console/commissions/periods/{january.pk}/close/"'
        in admin.get("/console/commissions/").content.decode()
    )
    unticked = admin.post(f"/console/commissions/periods/{january.pk}/close/", {"expected_total": "0"})
    assert unticked.status_code == 400 and "Tick the box to confirm." in unticked.content.decode()
    assert admin.post(f"/console/commissions/periods/{january.pk}/close/",
                      {"expected_total": "0", "confirm": "on"}).status_code == 302  # fmt: skip
    body = admin.get("/console/commissions/").content.decode()
    assert f'href="/console/commissions/periods/{january.pk}/close/"' not in body and "closed " in body


def test_a_payout_confirmed_on_a_stale_total_is_refused_and_nothing_is_written(alpha, admin, company):
    post_run(alpha, company)
    asked = {"threshold": "12.00", "period": company["january"].pk}
    with schema_context(alpha.schema):  # after the page showed 30.00, an adjustment lifts b to 15.00
        ledger_adjust(
            member=company["b"], amount=Decimal("5.00"), reason="Late bonus", by=company["admin"],
            period=company["january"],
        )  # fmt: skip
    refused = admin.post("/console/commissions/payouts/", {**asked, "expected_total": "30.00", "confirm": "on"})
    assert refused.status_code == 400
    assert "The total is now 45.00 USD to 3 payees, not 30.00: check it and confirm again." in refused.content.decode()
    with schema_context(alpha.schema):
        assert not PayoutBatch.objects.exists()


def test_a_batch_page_names_what_each_item_settles(alpha, admin, company):
    post_run(alpha, company)
    admin.post("/console/commissions/payouts/", {"threshold": "12.00", "period": company["january"].pk,
                                                 "expected_total": "30.00", "confirm": "on"})  # fmt: skip
    with schema_context(alpha.schema):
        batch = PayoutBatch.objects.get()
    listing = admin.get("/console/commissions/payouts/").content.decode()
    assert "2026-01-01 – 2026-01-31" in listing and "$12.00" in listing
    page = admin.get(f"/console/commissions/payouts/{batch.pk}/").content.decode()
    assert "up to and including the period 2026-01-01 – 2026-01-31" in page
    assert "$30.00 to 2 payees; Open (exported, not yet confirmed)." in page
    assert page.count('<td class="num">$15.00</td>') == 4  # root and a: earned 15.00, paid 15.00


@pytest.mark.parametrize(("role", "status"), [(Role.COMPANY_ADMIN, 200), (Role.COMPANY_STAFF, 200)])
def test_the_money_audit_log_lists_every_action_for_company_roles(alpha, company, role, status):
    post_run(alpha, company)
    with schema_context(alpha.schema):
        email = alpha.admin_email
        if role == Role.COMPANY_STAFF:
            email = user_create(email="clerk@alpha.test", role=role, password=PASSWORD).email
        assert list(MoneyAuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
            "run_approve", "period_close", "run_post",
        ]  # fmt: skip
    response = signed_in(alpha, email).get("/console/commissions/audit/")
    assert response.status_code == status
    body = response.content.decode()
    assert body.count("$40.00") == 2 and "Period closed" in body and "Run posted" in body


def test_distributors_cannot_read_the_money_audit_log(alpha, company):
    from tests.factories.members import MemberFactory

    with schema_context(alpha.schema):
        member = MemberFactory(email="dee@alpha.test", sponsor=company["root"])
    response = signed_in(alpha, member.email).get("/console/commissions/audit/")
    assert response.status_code in (302, 403)
