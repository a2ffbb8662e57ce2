"""Property-based API fuzzing with schemathesis over both OpenAPI schemas, as each role: whatever a client sends that
the schema allows (and much it does not), the API never answers 500 and every answer conforms to the schema.

Bounded so CI stays fast: a few examples per operation (``CANOPY_FUZZ_EXAMPLES``, default 8). Every request runs in
a savepoint that is rolled back, so one case's writes never become the next case's data and a database error cannot
poison the test transaction."""

from __future__ import annotations

import os

import pytest
import schemathesis
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django_tenants.utils import get_public_schema_name, schema_context
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import PASSWORD
from core.accounts.models import Role, User
from core.accounts.services import user_create
from core.members.services.customers import customer_create
from core.members.services.enrolment import member_enroll
from tests.helpers import totp_code, two_factor_activate

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("CANOPY_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


class _Rollback(Exception):
    pass


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request (Django's test client does not): keep it,
    as the test client does, so every request runs inside the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _app():
    """The WSGI application as a server runs it: with the client's address, which sign-in limits key on."""
    django_app = get_wsgi_application()

    def app(environ, start_response):
        environ.setdefault("REMOTE_ADDR", "127.0.0.1")
        return django_app(environ, start_response)

    return app


def _token(host: str, user) -> str:
    """Sign in through the token endpoint as a client would: e-mail, password and (two-factor on) the app's code."""
    from werkzeug.test import Client

    body = {"email": user.email, "password": PASSWORD}
    if Authenticator.objects.filter(user=user).exists():
        body["code"] = totp_code(user)
    response = Client(_app()).post(
        "/api/v1/auth/token/" if host != settings.PLATFORM_DOMAIN else "/api/provider/v1/auth/token/",
        json=body,
        headers={"Host": host},
    )
    assert response.status_code == 200, (host, user.email, response.get_data(as_text=True)[:300])
    return response.get_json()["token"]


def _fuzz(*, host: str, identity_headers: dict[str, str]) -> list[str]:
    """Run every operation of ``host``'s schema; return the failures (operation and reason) instead of stopping at
    the first, so one run lists everything to fix."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", _app(), headers={"Host": host})
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case) -> None:
            try:
                with transaction.atomic():
                    case.call_and_validate(
                        base_url=f"http://{host}",
                        headers={**identity_headers, "Host": host},
                        checks=CHECKS,
                    )
                    raise _Rollback
            except _Rollback:
                pass

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - collected and reported together below
            failures.append(f"{operation.method.upper()} {operation.path}: {str(error)[:1500]}")
    return failures


def _company_user(company, role: str):
    """The signed-in identity ``role`` on ``company``: the admin (with two-factor sign-in on), a staff user, the root
    distributor, or a customer of that distributor."""
    with schema_context(company.schema):
        if role == "admin":
            admin = User.objects.get(email=company.admin_email)
            two_factor_activate(admin)
            return admin
        if role == "staff":
            return user_create(email="staff@fuzz.test", role=Role.COMPANY_STAFF, password=PASSWORD)
        house = member_enroll(
            sponsor=None, username="house", email="house@fuzz.test", first_name="H", last_name="Ouse", password=PASSWORD
        )
        if role == "distributor":
            return house.user
        customer = customer_create(
            distributor=house, email="customer@fuzz.test", first_name="C", last_name="Ustomer", password=PASSWORD
        )
        return customer.user


@pytest.mark.parametrize("role", ["anonymous", "admin", "staff", "distributor", "customer"])
def test_company_api_never_fails_and_conforms(alpha, role):
    headers: dict[str, str] = {}
    if role != "anonymous":
        user = _company_user(alpha, role)
        with schema_context(alpha.schema):
            headers["Authorization"] = f"Token {_token(alpha.host, user)}"
    failures = _fuzz(host=alpha.host, identity_headers=headers)
    assert failures == [], "\n\n".join(failures)


@pytest.mark.parametrize("role", ["anonymous", "provider"])
def test_provider_api_never_fails_and_conforms(db, role):
    headers: dict[str, str] = {}
    if role == "provider":
        with schema_context(get_public_schema_name()):
            staff = user_create(email="fuzz@provider.test", role=Role.PROVIDER_STAFF, password=PASSWORD, is_staff=True)
            two_factor_activate(staff)  # provider staff sign in with a second factor
            headers["Authorization"] = f"Token {_token(settings.PLATFORM_DOMAIN, staff)}"
    failures = _fuzz(host=settings.PLATFORM_DOMAIN, identity_headers=headers)
    assert failures == [], "\n\n".join(failures)
