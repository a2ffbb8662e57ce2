"""Tenant isolation of what the last back-office and console work added: shipping methods, policy documents and their
acceptances, the money audit log, projections (RunKind.PROJECTION results), statements and their e-mail outbox, and
the genealogy viewer's API. Company A (alpha) has one of each; company B's admin and distributor look for them on
B's host through the API and the pages, and B's schema holds none of them.

Alpha (frontend conftest ``org``): house <- ann <- bob <- cat, house <- dan; house, ann, bob and cat buy one kit in
January 2026 (posted: ann earns 15.00) and one this period (projected: ann 15.00)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.commerce.models import ShippingMethod
from core.commerce.selectors.periods import company_date
from core.company.models import PolicyAcceptance, PolicyDocument
from core.company.services import policy_document_publish
from frontend.tests.conftest import enroll, signed_in
from frontend.tests.test_office_figures import PLAN
from plans.models import MoneyAuditEntry, RunKind, RunMemberResult, StatementNotice
from plans.services import period_get_or_create, period_projection_refresh, run_preview
from plans.services_adjustments import ledger_adjust
from plans.services_periods import period_close
from plans.services_plan_versions import plan_version_activate, plan_version_create
from plans.services_posting import run_approve, run_post
from plans.statements.notices import commissions_posted_notify
from plans.tests.conftest import JAN, buy
from tests.factories.catalogue import KitFactory
from tests.factories.orders import PaidOrderFactory
from tests.helpers import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha_rows(alpha, org):
    """One of each new kind of row in alpha."""
    with schema_context(alpha.schema):
        admin = User.objects.get(email=alpha.admin_email)
        KitFactory()
        plan_version_activate(version=plan_version_create(document=PLAN, by=admin), effective_from=JAN, by=admin)
        for member in (org.root, org.ann, org.bob, org.cat):
            buy(member)  # January
            PaidOrderFactory(buyer_member=member, lines=[("KIT", 1)])  # this period
        january = period_get_or_create(day=JAN)
        run = run_approve(run=run_preview(period=january, by=admin), by=admin)
        period_close(period=january, by=admin)
        run_post(run=run, by=admin)
        ledger_adjust(member=org.ann, amount=Decimal("321.09"), reason="Alpha-only correction", by=admin)
        commissions_posted_notify(period=january)
        period_get_or_create(day=company_date(timezone.now()))
        projection = period_projection_refresh()
        shipping = ShippingMethod.objects.create(name="Alpha Courier", fee=Decimal("9.99"))
        document = policy_document_publish(key="alpha-rules", title="Alpha Rules", body="Alpha's own rules.", by=admin)
        PolicyAcceptance.objects.create(document=document, version=document.version, user=org.ann.user,
                                        accepted_at=timezone.now(), ip_address="10.0.0.1")  # fmt: skip
        assert RunMemberResult.objects.get(run=projection, member=org.ann).earned_cents == 1500
        assert StatementNotice.objects.filter(period=january).count() == 3
        assert MoneyAuditEntry.objects.filter(amount=Decimal("321.09")).exists()
    return {"january": january, "shipping": shipping, "ann_user": org.ann.user}


@pytest.fixture
def beta_people(beta):
    with schema_context(beta.schema):
        zed = enroll(None, "zed", "Zed")
        admin = User.objects.get(email=beta.admin_email)
        zed_user = zed.user  # read in B's schema
    return {"zed": zed, "zed_user": zed_user, "admin": admin}


def test_alpha_sees_its_own_rows(alpha, org, alpha_rows):
    """The positive control: the same requests on alpha's host find alpha's rows."""
    admin = signed_in(alpha, alpha.admin_email)
    assert "Alpha Courier" in admin.get("/console/shipping-methods/").content.decode()
    assert admin.get("/console/joining/documents/alpha-rules/").status_code == 200
    assert "Alpha-only correction" in admin.get("/console/commissions/audit/").content.decode()
    ann = token_client(alpha, alpha_rows["ann_user"])
    assert ann.get(f"/api/v1/earnings/{alpha_rows['january'].pk}/statement/").status_code == 200
    assert ann.get("/api/v1/earnings/figures/").json()["projected"] == "15.00"
    assert ann.get(f"/api/v1/genealogy/{org.ann.number}/children/").json()["count"] == 1


def test_company_b_admin_sees_none_of_company_a_console_rows(alpha, beta, org, alpha_rows, beta_people):
    admin = signed_in(beta, beta.admin_email)
    shipping = admin.get("/console/shipping-methods/")
    assert shipping.status_code == 200 and "Alpha Courier" not in shipping.content.decode()
    assert admin.get(f"/console/shipping-methods/{alpha_rows['shipping'].pk}/").status_code == 404
    joining = admin.get("/console/joining/")
    assert joining.status_code == 200 and "Alpha Rules" not in joining.content.decode()
    assert admin.get("/console/joining/documents/alpha-rules/").status_code == 404
    audit = admin.get("/console/commissions/audit/").content.decode()
    assert "Alpha-only correction" not in audit and "321.09" not in audit
    api = token_client(beta, beta_people["admin"])
    assert api.get("/api/v1/money-audit/").json()["count"] == 0
    assert api.get(f"/api/v1/genealogy/{org.ann.number}/children/").status_code == 404
    # The join page offers B's documents to accept, never A's.
    join = Client(HTTP_HOST=beta.host).get("/zed/join/")
    assert join.status_code == 200 and "Alpha Rules" not in join.content.decode()


def test_company_b_distributor_gets_none_of_company_a_figures_statements_or_tree(
    alpha, beta, org, alpha_rows, beta_people
):
    zed = beta_people["zed"]
    period_id = alpha_rows["january"].pk
    api = token_client(beta, beta_people["zed_user"])
    figures = api.get("/api/v1/earnings/figures/").json()
    assert (figures["number"], figures["pv"], figures["projected"]) == (zed.number, "0.00", None)
    assert api.get(f"/api/v1/earnings/{period_id}/statement/").status_code == 404
    assert api.get(f"/api/v1/earnings/{period_id}/").status_code == 404
    for path in ("children", "search", "binary"):
        assert api.get(f"/api/v1/genealogy/{org.ann.number}/{path}/?q=Bob").status_code == 404, path
    children = api.get(f"/api/v1/genealogy/{zed.number}/children/").json()
    assert (children["node"]["username"], children["count"]) == ("zed", 0)

    pages = signed_in(beta, "zed@example.test")
    dashboard = pages.get("/office/").content.decode()
    assert "15.00" not in dashboard and "321.09" not in dashboard
    assert pages.get(f"/office/earnings/{period_id}/").status_code == 404
    assert pages.get(f"/office/earnings/{period_id}/statement.pdf").status_code == 404
    assert pages.get("/office/earnings/year/2026.pdf").status_code == 200  # B's own (empty) summary
    assert pages.get(f"/office/genealogy/{org.ann.number}/children/").status_code == 404

    # Alpha's distributor token and session mean nothing on B's host.
    ann_on_beta = token_client(alpha, alpha_rows["ann_user"])
    ann_on_beta.defaults["HTTP_HOST"] = beta.host
    assert ann_on_beta.get(f"/api/v1/genealogy/{org.ann.number}/children/").status_code == 401
    assert ann_on_beta.get(f"/api/v1/earnings/{period_id}/statement/").status_code == 401


def test_company_b_schema_holds_none_of_company_a_rows(alpha, beta, alpha_rows, beta_people):
    with schema_context(beta.schema):
        assert not ShippingMethod.objects.filter(name="Alpha Courier").exists()
        assert not PolicyDocument.objects.filter(key="alpha-rules").exists()
        assert PolicyAcceptance.objects.count() == 0
        assert MoneyAuditEntry.objects.count() == 0
        assert RunMemberResult.objects.filter(run__kind=RunKind.PROJECTION).count() == 0
        assert StatementNotice.objects.count() == 0
