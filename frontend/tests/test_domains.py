"""Company domains: added from the console, verified by the token Canopy serves, then routed; the TLS ask endpoint
answers only for hosts the platform serves."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import threading
import time

import dns.exception
import dns.resolver
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


def test_a_domain_is_served_only_once_verified(alpha, dns_server):
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
        no_txt = dns_server({})
        with override_settings(
            CUSTOM_DOMAIN_CHECK_ADDRESS=f"127.0.0.1:{server.server_address[1]}", CUSTOM_DOMAIN_DNS_RESOLVER=no_txt
        ):
            failed = custom_domain_verify(custom_domain=claim)
            assert failed.is_verified is False
            assert failed.last_error.startswith("The page answered with another token. No TXT record")
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


def test_verification_that_cannot_connect_says_so(alpha, dns_server):
    claim = custom_domain_add(company=Company.objects.get(schema_name="alpha"), domain="shop.alpha-teas.com")
    with override_settings(CUSTOM_DOMAIN_CHECK_ADDRESS="127.0.0.1:9", CUSTOM_DOMAIN_DNS_RESOLVER=dns_server({})):
        checked = custom_domain_verify(custom_domain=claim)
    assert not checked.is_verified
    assert checked.last_error == (
        "Could not fetch http://shop.alpha-teas.com/.well-known/canopy-domain-verification: ConnectionRefusedError "
        f"No TXT record _canopy-verification.shop.alpha-teas.com with the value canopy-verification={claim.token}."
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


@pytest.fixture
def dns_server():
    """dnsmasq (Debian's package, a real DNS server) on a free 127.0.0.1 port, answering only the TXT records given."""
    binary = shutil.which("dnsmasq") or ("/usr/sbin/dnsmasq" if os.path.exists("/usr/sbin/dnsmasq") else None)
    if binary is None:
        pytest.skip("dnsmasq is not installed (apt-get install dnsmasq-base; `make test` does it)")
    servers = []

    def serve(records: dict[str, str]) -> str:
        # dnsmasq binds the port over TCP as well as UDP: a port free for UDP can be taken for TCP (an outgoing
        # connection's), and then dnsmasq exits. So start it, wait until it answers, and on another port if it died.
        for _attempt in range(5):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            args = [
                binary,
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--local=/#/",
                "--pid-file=",
                f"--port={port}",
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--user=root",
                "--log-facility=-",
            ]
            args += [f"--txt-record={name},{value}" for name, value in records.items()]
            process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            servers.append(process)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and process.poll() is None:  # ready once it answers
                resolver = dns.resolver.Resolver(configure=False)
                resolver.nameservers, resolver.port, resolver.lifetime = ["127.0.0.1"], port, 0.5
                try:
                    resolver.resolve("ready.invalid", "TXT")
                except dns.resolver.NXDOMAIN:
                    return f"127.0.0.1:{port}"
                except dns.exception.DNSException:
                    time.sleep(0.1)
            process.terminate()
            process.wait(5)
        raise AssertionError("dnsmasq did not answer on any of five ports")

    yield serve
    for process in servers:
        process.terminate()
        process.wait(5)


def test_a_dns_txt_record_verifies_a_domain_before_it_points_at_the_platform(alpha, dns_server):
    company = Company.objects.get(schema_name="alpha")
    claim = custom_domain_add(company=company, domain="shop.alpha-teas.com")
    assert (claim.txt_name, claim.txt_value) == (
        "_canopy-verification.shop.alpha-teas.com",
        f"canopy-verification={claim.token}",
    )
    # No web server answers for the domain (nothing listens on this address), so only DNS can verify it.
    closed = "127.0.0.1:9"
    wrong = dns_server({claim.txt_name: "canopy-verification=someone-else"})
    with override_settings(CUSTOM_DOMAIN_DNS_RESOLVER=wrong, CUSTOM_DOMAIN_CHECK_ADDRESS=closed):
        failed = custom_domain_verify(custom_domain=claim)
    assert failed.is_verified is False
    assert f"The TXT record {claim.txt_name} holds another value." in failed.last_error
    assert "Could not fetch http://shop.alpha-teas.com/.well-known/canopy-domain-verification" in failed.last_error
    assert _ask("shop.alpha-teas.com") == 404

    none = dns_server({})
    with override_settings(CUSTOM_DOMAIN_DNS_RESOLVER=none, CUSTOM_DOMAIN_CHECK_ADDRESS=closed):
        missing = custom_domain_verify(custom_domain=claim)
    assert f"No TXT record {claim.txt_name} with the value {claim.txt_value}." in missing.last_error

    right = dns_server({claim.txt_name: claim.txt_value})
    with override_settings(CUSTOM_DOMAIN_DNS_RESOLVER=right, CUSTOM_DOMAIN_CHECK_ADDRESS=closed):
        verified = custom_domain_verify(custom_domain=claim)
    assert (verified.is_verified, verified.last_error) == (True, "")
    assert Domain.objects.get(domain="shop.alpha-teas.com").tenant == company
    assert _ask("shop.alpha-teas.com") == 200


def test_the_console_shows_both_ways_to_verify(admin_client):
    admin_client.post("/console/domains/", {"domain": "shop.alpha-teas.com"})
    claim = CustomDomain.objects.get()
    page = admin_client.get("/console/domains/").content.decode()
    assert "_canopy-verification.shop.alpha-teas.com" in page and f"canopy-verification={claim.token}" in page
    assert "http://shop.alpha-teas.com/.well-known/canopy-domain-verification" in page
