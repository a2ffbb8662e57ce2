"""Issue 12 item 13: webhook SSRF. Names and every address they resolve to are checked at registration and again at
each delivery; the connection goes to the checked address; redirects are not followed; a refused target is never
contacted and nothing but the refusal is stored.

There is no outside DNS here, so ``hostile_dns`` answers as an attacker's DNS server would (WEBHOOKS_DNS_RESOLVER)."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from core.webhooks.egress import NOT_PUBLIC, address_problem
from core.webhooks.models import DeliveryStatus
from core.webhooks.services import event_emit, webhook_endpoint_create

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.216.34"
ANSWERS: dict[str, list[str]] = {}


def hostile_dns(host: str, port: int) -> list[str]:
    """Names listed in ANSWERS resolve as listed, IP literals to themselves; anything else to a public address."""
    if host in ANSWERS:
        return ANSWERS[host]
    try:
        return [str(__import__("ipaddress").ip_address(host))]
    except ValueError:
        return [PUBLIC]


@pytest.fixture
def dns(settings):
    settings.WEBHOOKS_DNS_RESOLVER = f"{__name__}.hostile_dns"
    ANSWERS.clear()
    yield ANSWERS
    ANSWERS.clear()


@pytest.fixture
def production(settings):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("169.254.169.254.nip.io", id="metadata-via-nip.io"),
        pytest.param("127.0.0.1.nip.io", id="loopback-via-nip.io"),
        pytest.param("x.127.0.0.1.nip.io", id="prefixed-nip.io"),
        pytest.param("app-10-0-0-1.sslip.io", id="dashed-sslip.io"),
        pytest.param("localtest.me", id="localtest.me"),
        pytest.param("api.localtest.me", id="sub-localtest.me"),
        pytest.param("metadata.google.internal", id="gcp-metadata"),
        pytest.param("metadata.google.internal.", id="gcp-metadata-trailing-dot"),
        pytest.param("foo.localhost.", id="localhost-trailing-dot"),
        pytest.param("LOCALHOST", id="localhost-upper-case"),
    ],
)
def test_names_are_refused_by_pattern_even_when_dns_says_public(alpha, dns, production, host):
    with schema_context(alpha.schema), pytest.raises(ValidationError) as error:
        webhook_endpoint_create(url=f"https://{host}/hook", events=["order.paid"])
    assert error.value.message_dict == {"url": [NOT_PUBLIC]}


@pytest.mark.parametrize(
    ("answer", "id_"),
    [
        (["127.0.0.1"], "loopback"),
        (["10.0.0.5"], "private"),
        ([PUBLIC, "10.0.0.5"], "one-of-several"),
        (["169.254.169.254"], "metadata"),
        (["100.100.100.200"], "alibaba-metadata"),
        (["100.64.0.1"], "shared-cgnat"),
        (["::1"], "ipv6-loopback"),
        (["::ffff:127.0.0.1"], "ipv4-mapped-loopback"),
        (["fd00:ec2::254"], "aws-ipv6-metadata"),
        (["224.0.0.1"], "multicast"),
        (["240.0.0.1"], "reserved"),
        (["0.0.0.0"], "unspecified"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_names_are_refused_by_every_address_they_resolve_to(alpha, dns, production, answer, id_):
    dns["hooks.attacker.example"] = answer
    with schema_context(alpha.schema), pytest.raises(ValidationError) as error:
        webhook_endpoint_create(url="https://hooks.attacker.example/x", events=["order.paid"])
    assert error.value.message_dict == {"url": [NOT_PUBLIC]}


def test_an_ip_embedding_name_is_refused_by_resolution_too(production):
    """The pattern and the address check stand on their own: 127.0.0.1, what x.127.0.0.1.nip.io resolves to, is
    refused as an address."""
    assert address_problem("127.0.0.1") == "127.0.0.1 is not a public address."
    assert address_problem(PUBLIC) == ""


def test_metadata_stays_refused_in_insecure_development_mode(alpha, dns, settings):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True
    dns["meta.attacker.example"] = ["169.254.169.254"]
    with schema_context(alpha.schema):
        for url in (
            "http://169.254.169.254/latest/meta-data/",
            "http://meta.attacker.example/",
            "http://metadata.google.internal/v1/",
        ):
            with pytest.raises(ValidationError) as error:
                webhook_endpoint_create(url=url, events=["order.paid"])
            assert error.value.message_dict == {"url": [NOT_PUBLIC]}, url


def test_a_name_rebound_to_loopback_after_registration_is_refused_at_delivery(
    alpha, dns, production, eager_celery, django_capture_on_commit_callbacks
):
    dns["hooks.rebind.example"] = [PUBLIC]
    with schema_context(alpha.schema):
        webhook_endpoint_create(url="https://hooks.rebind.example/x", events=["order.paid"])
        dns["hooks.rebind.example"] = ["127.0.0.1"]
        with django_capture_on_commit_callbacks(execute=True):
            (delivery,) = event_emit(event="order.paid", payload={})
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.response_code, delivery.response_body) == (
            DeliveryStatus.FAILED,
            1,
            None,
            "",
        )
        assert delivery.error == (
            "Refused: hooks.rebind.example resolves to a refused address: 127.0.0.1 is not a public address."
        )
        assert list(delivery.attempt_log.values_list("response_code", "response_body", "succeeded")) == [
            (None, "", False)
        ]


def test_the_connection_goes_to_the_checked_address(
    alpha, dns, receiver, eager_celery, django_capture_on_commit_callbacks
):
    """hooks.pinned.example exists only in the checked answer: the POST reaches 127.0.0.1 with the name as Host."""
    dns["hooks.pinned.example"] = ["127.0.0.1"]
    port = receiver.url.split(":")[2].split("/")[0]
    with schema_context(alpha.schema):
        webhook_endpoint_create(url=f"http://hooks.pinned.example:{port}/hooks/canopy", events=["order.paid"])
        with django_capture_on_commit_callbacks(execute=True):
            (delivery,) = event_emit(event="order.paid", payload={})
        delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code) == (DeliveryStatus.DELIVERED, 200)
    assert [r.headers["Host"] for r in receiver.requests] == [f"hooks.pinned.example:{port}"]


def test_a_redirect_is_not_followed_and_its_body_not_kept(
    alpha, receiver, eager_celery, django_capture_on_commit_callbacks
):
    receiver.statuses = [302]
    with schema_context(alpha.schema):
        webhook_endpoint_create(url=receiver.url, events=["order.paid"])
        with django_capture_on_commit_callbacks(execute=True):
            (delivery,) = event_emit(event="order.paid", payload={})
        delivery.refresh_from_db()
        sent = {(r.path, r.headers["Canopy-Delivery"]) for r in receiver.requests}
        assert sent == {("/hooks/canopy", str(delivery.pk))}
        assert (delivery.response_code, delivery.response_body) == (302, "")
        assert set(delivery.attempt_log.values_list("response_code", "response_body")) == {(302, "")}
