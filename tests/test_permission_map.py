"""Console and API read one permission map (core.accounts.permissions.CAPABILITIES). These tests walk every write
endpoint of the company API as every role, and every console page that takes a POST as a company admin and as
company staff, and hold each answer to the map: 403 where the role lacks the capability, anything but 401/403 where
it holds it (an empty body answers 400 or an unknown id 404: past the permission check). The tables below name the
capability of every endpoint and page; an endpoint or page missing from them fails the walk until it is classified."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_tenants.utils import schema_context
from knox.models import AuthToken
from rest_framework.test import APIClient

from conftest import PASSWORD
from core.accounts.models import Role, User
from core.accounts.permissions import CAPABILITIES
from core.accounts.services import user_create
from core.members.services.customers import customer_create
from core.members.services.enrolment import member_enroll

pytestmark = pytest.mark.django_db

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed in"  # any signed-in user, about their own account

# (URL name, method) -> capability of core.accounts.permissions.CAPABILITIES
API_WRITES = {
    ("token", "post"): PUBLIC,
    ("join", "post"): PUBLIC,
    ("tokens", "delete"): SIGNED_IN,
    ("token-revoke", "delete"): SIGNED_IN,
    ("logout", "post"): SIGNED_IN,
    ("company-settings", "patch"): "company.settings.write",
    ("member-list", "post"): "members.enrol",
    ("member-detail", "patch"): "members.profile.write",
    ("member-responsor", "post"): "genealogy.write",
    ("member-replace", "post"): "genealogy.write",
    ("member-frontline-up", "post"): "genealogy.write",
    ("member-place", "post"): "genealogy.place",
    ("member-status", "post"): "members.status.write",
    ("member-market", "post"): "markets.assign",
    ("customer-market", "post"): "markets.assign",
    ("markets", "post"): "markets.write",
    ("market", "patch"): "markets.write",
    ("market-deactivate", "post"): "markets.write",
    ("market-prices", "post"): "markets.write",
    ("market-price", "put"): "markets.write",
    ("member-import", "post"): "members.import",
    ("move-undo", "post"): "genealogy.write",
    ("genealogy-settings", "put"): "genealogy.settings.write",
    ("customer-list", "post"): "customers.write",
    ("customer-transfer", "post"): "genealogy.write",
    ("commerce-products", "post"): "catalogue.write",
    ("commerce-product", "patch"): "catalogue.write",
    ("commerce-product-retire", "post"): "catalogue.write",
    ("commerce-images", "post"): "catalogue.write",
    ("commerce-image", "delete"): "catalogue.write",
    ("commerce-categories", "post"): "catalogue.write",
    ("commerce-category", "patch"): "catalogue.write",
    ("commerce-warehouses", "post"): "stock.write",
    ("commerce-warehouse", "patch"): "stock.write",
    ("commerce-stock-receipts", "post"): "stock.write",
    ("commerce-stock-adjustments", "post"): "stock.write",
    ("commerce-stock-transfers", "post"): "stock.write",
    ("commerce-tax-rates", "post"): "pricing.write",
    ("commerce-tax-rate", "patch"): "pricing.write",
    ("commerce-tax-rate", "delete"): "pricing.write",
    ("commerce-coupons", "post"): "pricing.write",
    ("commerce-coupon", "patch"): "pricing.write",
    ("commerce-coupon", "delete"): "pricing.write",
    ("commerce-settings", "patch"): "commerce.settings.write",
    ("commerce-orders", "post"): "orders.place",
    ("commerce-order-pay", "post"): "orders.pay",
    ("commerce-order-cancel", "post"): "orders.cancel",
    ("commerce-order-offline-payment", "post"): "orders.fulfil",
    ("commerce-order-ship", "post"): "orders.fulfil",
    ("commerce-order-refund", "post"): "orders.refund",
    ("commerce-imports", "post"): "orders.import",
    ("commerce-imports-order-history", "post"): "orders.import",
    ("commerce-subscription-card", "post"): "subscription.pay",
    ("commerce-subscription-pay", "post"): "subscription.pay",
    ("commerce-parties", "post"): "parties.write",
    ("commerce-party-orders", "post"): "parties.write",
    ("commerce-party-close", "post"): "parties.write",
    ("commerce-autoships", "post"): "autoships.write",
    ("commerce-autoship-pause", "post"): "autoships.write",
    ("commerce-autoship-resume", "post"): "autoships.write",
    ("commerce-autoship-cancel", "post"): "autoships.write",
    ("demotion-policy", "put"): "demotion.policy.write",
    ("demotion-preview", "post"): "demotion.preview",
    ("demotion-evaluations", "post"): "demotion.evaluate",
    ("demotion-reinstate", "post"): "members.status.write",
    ("webhook-endpoints", "post"): "webhooks.write",
    ("webhook-endpoint", "patch"): "webhooks.write",
    ("webhook-delivery-redeliver", "post"): "webhooks.write",
    ("plan-version-list", "post"): "plans.write",
    ("plan-version-validate", "post"): "plans.write",
    ("plan-version-activate", "post"): "plans.write",
    ("commission-simulation", "post"): "plans.write",
    ("commission-period-list", "post"): "commissions.run",
    ("commission-preview", "post"): "commissions.run",
    ("commission-period-close", "post"): "commissions.run",
    ("commission-run-approve", "post"): "commissions.approve",
    ("commission-run-post", "post"): "commissions.approve",
    ("commission-run-rates", "post"): "commissions.approve",
    ("commission-run-rates-import", "post"): "commissions.approve",
    ("ledger-adjustment-list", "post"): "commissions.adjust",
    ("commission-run-payout", "post"): "payouts.write",
    ("payout-batch-list", "post"): "payouts.write",
    ("payout-batch-paid", "post"): "payouts.write",
}

# console URL name -> capability a POST needs (a dict: by the URL's ``action``)
CONSOLE_POSTS = {
    "console-member-edit": "members.profile.write",
    "console-member-action": {
        "responsor": "genealogy.write",
        "replace": "genealogy.write",
        "frontline": "genealogy.write",
        "status": "members.status.write",
        "reinstate": "members.status.write",
        "market": "markets.assign",
    },
    "console-move-undo": "genealogy.write",
    "console-genealogy": "genealogy.settings.write",
    "console-branding": "company.settings.write",
    "console-languages": "company.settings.write",
    "console-domains": "company.settings.write",
    "console-domain-action": {"verify": "company.settings.write", "remove": "company.settings.write"},
    "console-joining": "company.settings.write",
    "console-policy-new": "company.settings.write",
    "console-policy": "company.settings.write",
    "console-page": "content.write",
    "console-announcement-new": "content.write",
    "console-announcement": "content.write",
    "console-training-new": "content.write",
    "console-training-edit": "content.write",
    "console-email": "content.write",
    "console-product-new": "catalogue.write",
    "console-product": "catalogue.write",
    "console-product-edit": "catalogue.write",
    "console-product-image-upload": "catalogue.write",
    "console-product-image-remove": "catalogue.write",
    "console-categories": "catalogue.write",
    "console-category": "catalogue.write",
    "console-inventory": "stock.write",
    "console-order-action": {
        "pay": "orders.fulfil",
        "ship": "orders.fulfil",
        "cancel": "orders.fulfil",
        "refund": "orders.refund",
    },
    "console-tax-rate-new": "pricing.write",
    "console-tax-rate": "pricing.write",
    "console-market-new": "markets.write",
    "console-market": "markets.write",
    "console-market-prices": "markets.write",
    "console-customer-action": {"market": "markets.assign"},
    "console-shipping-method-new": "commerce.settings.write",
    "console-shipping-method": "commerce.settings.write",
    "console-coupon-new": "pricing.write",
    "console-coupon": "pricing.write",
    "console-party-new": "parties.write",
    "console-party": "parties.write",
    "console-demotion": "demotion.policy.write",
    "console-plan-editor": "plans.write",
    "console-plan-builder": "plans.write",
    "console-plan-whatif": "plans.write",
    "console-plan-version": "plans.write",
    "console-periods": "commissions.run",
    "console-period-preview": "commissions.run",
    "console-period-close": "commissions.run",
    "console-run-approve": "commissions.approve",
    "console-run-post": "commissions.approve",
    "console-run-rates": "commissions.approve",
    "console-adjustments": "commissions.adjust",
    "console-payouts": "payouts.write",
    "console-payout-action": {"paid": "payouts.write", "cancel": "payouts.write"},
    "console-webhook-new": "webhooks.write",
    "console-webhook": "webhooks.write",
    "console-webhook-delivery-redeliver": "webhooks.write",
}

ROLES = ["anonymous", Role.COMPANY_ADMIN, Role.COMPANY_STAFF, Role.DISTRIBUTOR, Role.CUSTOMER]
NO_SUCH = {"int": 999_999, "bigintid": 999_999, "string": "no-such", "slug": "no-such", "path": "no-such"}


def _patterns(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _kwargs(pattern: URLPattern) -> dict:
    return {name: NO_SUCH[type(conv).__name__.removesuffix("Converter").lower()] for name, conv in _converters(pattern)}


def _converters(pattern: URLPattern):
    return pattern.pattern.converters.items()


def api_write_endpoints() -> list[tuple[str, str, str]]:
    """(URL name, method, URL with unknown ids) of every company-API view with a write method."""
    found = []
    for route, pattern in _patterns(get_resolver("config.urls_tenant").url_patterns):
        view_class = getattr(pattern.callback, "cls", None)
        if not route.startswith("api/v1/") or view_class is None:
            continue
        for method in ("post", "put", "patch", "delete"):
            if hasattr(view_class, method):
                url = reverse(pattern.name, urlconf="config.urls_tenant", kwargs=_kwargs(pattern))
                found.append((pattern.name, method, url))
    return found


def _holds(role: str, capability: str) -> bool:
    if capability == PUBLIC:
        return True
    if role == "anonymous":
        return False
    return capability == SIGNED_IN or role in CAPABILITIES[capability]


@pytest.fixture
def accounts(alpha) -> dict[str, User]:
    """One account per role in company alpha: the distributor with their member record, the customer theirs."""
    with schema_context(alpha.schema):
        dana = member_enroll(
            sponsor=None,
            username="dana",
            email="dana@alpha.test",
            first_name="Dana",
            last_name="Dist",
            password=PASSWORD,
        )
        carl = customer_create(
            distributor=dana, email="carl@alpha.test", first_name="Carl", last_name="Cust", password=PASSWORD
        )
        return {
            Role.COMPANY_ADMIN: User.objects.get(email=alpha.admin_email),
            Role.COMPANY_STAFF: user_create(email="clerk@alpha.test", role=Role.COMPANY_STAFF, password=PASSWORD),
            Role.DISTRIBUTOR: dana.user,
            Role.CUSTOMER: carl.user,
        }


def _api_client(alpha, user: User | None) -> APIClient:
    client = APIClient(HTTP_HOST=alpha.host)
    if user is not None:
        with schema_context(alpha.schema):
            _, token = AuthToken.objects.create(user=user)  # a fresh token: logout and revocation end the last one
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_every_write_endpoint_of_the_company_api_is_in_the_map():
    assert sorted((name, method) for name, method, _ in api_write_endpoints()) == sorted(API_WRITES)
    assert {c for c in API_WRITES.values() if c not in (PUBLIC, SIGNED_IN)} <= set(CAPABILITIES)


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_the_company_api_answers_each_role_as_the_map_says(alpha, accounts, role):
    user = accounts.get(role)
    wrong = []
    for name, method, url in api_write_endpoints():
        capability = API_WRITES[(name, method)]
        response = getattr(_api_client(alpha, user), method)(url, {}, format="json")
        refused = response.status_code in (401, 403)
        expected_refusal = not _holds(role, capability)
        if role != "anonymous" and expected_refusal and response.status_code != 403:
            wrong.append(f"{method.upper()} {url} [{capability}]: {response.status_code}, expected 403")
        elif refused != expected_refusal:
            wrong.append(f"{method.upper()} {url} [{capability}]: {response.status_code}, expected not 401/403")
    assert wrong == [], "\n".join(wrong)


def console_post_pages() -> list[tuple[str, str, str]]:
    """(URL name, capability, URL with unknown ids) of every console page a POST changes something through."""
    found = []
    for route, pattern in _patterns(get_resolver("config.urls_tenant").url_patterns):
        if not route.startswith("console/") or pattern.name not in CONSOLE_POSTS:
            continue
        capability = CONSOLE_POSTS[pattern.name]
        kwargs = _kwargs(pattern)
        for action, needed in capability.items() if isinstance(capability, dict) else [(None, capability)]:
            if action is not None:
                kwargs = {**kwargs, "action": action}
            found.append((pattern.name, needed, reverse(pattern.name, urlconf="config.urls_tenant", kwargs=kwargs)))
    return found


def test_every_console_page_is_classified(alpha, accounts):
    """A console page not in CONSOLE_POSTS must refuse a POST from everyone (it changes nothing)."""
    from django.test import Client

    client = Client(HTTP_HOST=alpha.host)
    with schema_context(alpha.schema):
        client.force_login(accounts[Role.COMPANY_ADMIN])
    names = {pattern.name for route, pattern in _patterns(get_resolver("config.urls_tenant").url_patterns)}
    console_names = {n for n in names if n and n.startswith("console-")}
    assert set(CONSOLE_POSTS) <= console_names
    accepting = []
    for route, pattern in _patterns(get_resolver("config.urls_tenant").url_patterns):
        if route.startswith("console/") and pattern.name not in CONSOLE_POSTS:
            url = reverse(pattern.name, urlconf="config.urls_tenant", kwargs=_kwargs(pattern))
            status = client.post(url, {}).status_code
            if status not in (403, 404, 405):
                accepting.append(f"{url}: {status}")
    assert accepting == [], "\n".join(accepting)


@pytest.mark.parametrize("role", [Role.COMPANY_ADMIN, Role.COMPANY_STAFF], ids=str)
def test_the_console_answers_each_post_as_the_map_says(alpha, accounts, role):
    from django.test import Client

    client = Client(HTTP_HOST=alpha.host)
    with schema_context(alpha.schema):
        client.force_login(accounts[role])
    wrong = []
    for _name, capability, url in console_post_pages():
        status = client.post(url, {}).status_code
        if (status == 403) != (role not in CAPABILITIES[capability]):
            wrong.append(f"POST {url} [{capability}]: {status}")
    assert wrong == [], "\n".join(wrong)
