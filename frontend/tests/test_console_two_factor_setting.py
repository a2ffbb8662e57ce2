"""The company setting that makes company admins sign in with a second factor, in the console's branding form:
an admin turns it on (and is sent to set up an authenticator app at once); staff neither see nor change it."""

import pytest
from django.urls import reverse
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.accounts.models import Role
from core.accounts.services import user_create
from core.company.services import company_settings_get
from frontend.tests.conftest import signed_in

pytestmark = pytest.mark.django_db

BRANDING = {"display_name": "Alpha", "primary_color": "#2f6f4e"}


def _required(alpha) -> bool:
    with schema_context(alpha.schema):
        return company_settings_get().require_two_factor_for_admins


def test_an_admin_requires_two_factor_for_admins_in_the_console(alpha, admin_client):
    page = admin_client.get("/console/branding/")
    assert "require_two_factor_for_admins" in page.context["form"].fields
    turned_on = admin_client.post("/console/branding/", {**BRANDING, "require_two_factor_for_admins": "on"})
    assert (turned_on.status_code, _required(alpha)) == (302, True)
    # The rule holds at once: this admin has no authenticator app yet, so the console sends them to set one up.
    next_page = admin_client.get("/console/branding/")
    assert next_page["Location"] == f"{reverse('mfa_activate_totp')}?next=/console/branding/"


def test_staff_neither_see_nor_change_the_two_factor_rule(alpha):
    with schema_context(alpha.schema):
        user_create(email="clerk@alpha.test", role=Role.COMPANY_STAFF, password=PASSWORD)
    clerk = signed_in(alpha, "clerk@alpha.test")
    page = clerk.get("/console/branding/")
    assert page.status_code == 200
    assert "require_two_factor_for_admins" not in page.context["form"].fields
    refused = clerk.post("/console/branding/", {**BRANDING, "require_two_factor_for_admins": "on"})
    assert (refused.status_code, _required(alpha)) == (403, False)
