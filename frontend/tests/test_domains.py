"""Company domains: added from the console, verified by the token Canopy serves, then routed; the TLS ask endpoint
answers only for hosts the platform serves."""

from __future__ import annotations

import http.server
import threading

import pytest
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from core.company.services import company_settings_update
from tenants.models import Company, CustomDomain, Domain
from tenants.services_domains import custom_domain_add, custom_domain_verify

pytestmark = pytest.mark.django_db


def _ask(domain: str) -> int:
    return Client(HTTP_HOST="127.0.0.1").get("/internal/tls-ask", {"domain": domain}).status_code


def test_the_console_adds_a_domain_and_refuses_bad_ones(admin_client):
    page = admin_client.get("/console/domains/")
    assert page.status_code == 200 and b"alpha.canopy.test" in page.content
    added = admin_client.post("/console/domains/", {"domain": " Shop.Alpha-Teas.COM. "})
    assert added.status_code == 302
    claim = CustomDomain.objects.get()
    assert (claim.domain, claim.company.schema_name, claim.is_verified) == ("shop.alpha-teas.com", "alpha", False)
    for bad, words in [
        ("https://shop.example.com/x", b"without http://"),
        ("shop.canopy.test", b"platform"),
        ("shop.alpha-teas.com", b"already added"),
        ("no_dots", b"such as shop.example.com"),
        ("a\x00b.com", b"Null characters are not allowed"),
        ("x" * 300 + ".com", b"at most 253"),
    ]:
        answer = admin_client.post("/console/domains/", {"domain": bad})
        assert answer.status_code == 400 and words in answer.content, bad
    assert CustomDomain.objects.count() == 1


def test_a_domain_is_served_only_once_verified(alpha):
    company = Company.objects.get(schema_name="alpha")
    claim = custom_domain_add(company=company, domain="shop.alpha-teas.com")
    # Canopy answers the token for the claimed domain (as it will once the domain's DNS points at the platform) …
    token = Client(HTTP_HOST="shop.alpha-teas.com").get("/.well-known/canopy-domain-verification")
    assert (token.status_code, token.content.decode()) == (200, claim.token)
    assert Client(HTTP_HOST="other.example.com").get("/.well-known/canopy-domain-verification").status_code == 404
    # … but the domain is neither routed nor given a certificate before it is verified.
    assert Client(HTTP_HOST="shop.alpha-teas.com").get("/").status_code == 404
    assert _ask("shop.alpha-teas.com") == 404

    served_token = {"body": b"wrong-token"}

    class TokenHandler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.end_headers()
            self.wfile.write(served_token["body"])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), TokenHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with override_settings(CUSTOM_DOMAIN_CHECK_ADDRESS=f"127.0.0.1:{server.server_address[1]}"):
            failed = custom_domain_verify(custom_domain=claim)
            assert (failed.is_verified, failed.last_error) == (False, "The page answered with another token.")
            served_token["body"] = claim.token.encode()
            verified = custom_domain_verify(custom_domain=claim)
    finally:
        server.shutdown()
    assert (verified.is_verified, verified.last_error) == (True, "")
    assert Domain.objects.get(domain="shop.alpha-teas.com").tenant == company
    assert _ask("shop.alpha-teas.com") == 200
    with override_settings(ALLOWED_HOSTS=["*"]):  # production allows every host; the Domain rows decide
        page = Client(HTTP_HOST="shop.alpha-teas.com").get("/accounts/login/")
    assert page.status_code == 200 and page.wsgi_request.tenant.schema_name == "alpha"


def test_verification_that_cannot_connect_says_so(alpha):
    claim = custom_domain_add(company=Company.objects.get(schema_name="alpha"), domain="shop.alpha-teas.com")
    with override_settings(CUSTOM_DOMAIN_CHECK_ADDRESS="127.0.0.1:9"):
        checked = custom_domain_verify(custom_domain=claim)
    assert not checked.is_verified
    assert checked.last_error == (
        "Could not fetch http://shop.alpha-teas.com/.well-known/canopy-domain-verification: ConnectionRefusedError"
    )


def test_the_ask_endpoint_answers_for_served_hosts_only(alpha, org):
    assert _ask("alpha.canopy.test") == 200
    assert _ask("canopy.test") == 200
    assert _ask("nobody.canopy.test") == 404
    assert _ask("example.org") == 404
    assert _ask("") == 404
    # Replicated sites on subdomains: only when the company turned them on, only for a distributor whose site is up.
    assert _ask("ann.alpha.canopy.test") == 404
    with schema_context("alpha"):
        company_settings_update(changes={"replicated_subdomains_enabled": True})
    assert _ask("ann.alpha.canopy.test") == 200
    assert _ask("nobody.alpha.canopy.test") == 404


def test_removing_a_domain_stops_serving_it(admin_client):
    admin_client.post("/console/domains/", {"domain": "shop.alpha-teas.com"})
    claim = CustomDomain.objects.get()
    Domain.objects.create(domain=claim.domain, tenant=claim.company, is_primary=False)  # as if verified
    assert _ask("shop.alpha-teas.com") == 200
    assert admin_client.post(f"/console/domains/{claim.pk}/remove/").status_code == 302
    assert (CustomDomain.objects.count(), _ask("shop.alpha-teas.com")) == (0, 404)
