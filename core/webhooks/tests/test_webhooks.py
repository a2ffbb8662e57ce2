"""Outgoing webhooks against a real HTTP server on 127.0.0.1: signatures, retries with backoff and their log, the
member.joined event from enrolment, a delivery through a real Celery worker, URL rules, and the admin API with its
tenant isolation."""

import datetime
import json
import threading
import time

import pytest
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from core.webhooks.services import (
    SIGNATURE_HEADER,
    event_emit,
    signature_verify,
    webhook_endpoint_create,
    webhook_endpoint_update,
)
from core.webhooks.tasks import webhook_deliver
from tests.factories.members import CompanyStaffFactory, MemberFactory

pytestmark = pytest.mark.django_db


def token(client, email):
    response = client.post("/api/v1/auth/token/", {"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Token {response.json()['token']}"}


def enroll(sponsor, username):
    return MemberFactory(sponsor=sponsor, username=username, first_name=username.title(), last_name="Tester",
                         country="us")  # fmt: skip


def test_member_joined_is_delivered_signed_with_the_endpoint_secret(
    alpha, receiver, eager_celery, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        endpoint = webhook_endpoint_create(url=receiver.url, events=["member.joined"])
        with django_capture_on_commit_callbacks(execute=True):
            root = enroll(None, "house")
            anna = enroll(root, "anna")

        assert len(receiver.requests) == 2
        request = receiver.requests[1]
        assert request.path == "/hooks/canopy"
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["Canopy-Event"] == "member.joined"
        assert signature_verify(secret=endpoint.secret, body=request.body, header=request.headers[SIGNATURE_HEADER])
        assert not signature_verify(secret="whsec_wrong", body=request.body, header=request.headers[SIGNATURE_HEADER])
        assert not signature_verify(
            secret=endpoint.secret, body=request.body + b" ", header=request.headers[SIGNATURE_HEADER]
        )
        body = json.loads(request.body)
        delivery = WebhookDelivery.objects.get(pk=int(request.headers["Canopy-Delivery"]))
        assert body["id"] == delivery.pk
        assert body["event"] == "member.joined"
        assert body["data"] == {
            "number": anna.number,
            "username": "anna",
            "first_name": "Anna",
            "last_name": "Tester",
            "email": "anna@example.test",
            "country": "US",
            "status": "active",
            "sponsor_number": root.number,
            "joined_at": body["data"]["joined_at"],
        }
        joined_ms = anna.joined_at.replace(microsecond=anna.joined_at.microsecond // 1000 * 1000)
        assert datetime.datetime.fromisoformat(body["data"]["joined_at"]) == joined_ms  # JSON keeps milliseconds
        assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.DELIVERED, 1, 200)
        assert delivery.delivered_at is not None and delivery.next_attempt_at is None
        assert list(delivery.attempt_log.values_list("number", "response_code", "succeeded")) == [(1, 200, True)]


def test_a_failing_endpoint_is_retried_with_exponential_backoff_and_every_attempt_is_logged(
    alpha, receiver, eager_celery, django_capture_on_commit_callbacks, settings
):
    receiver.statuses = [500, 500, 503, 200]
    with schema_context(alpha.schema):
        webhook_endpoint_create(url=receiver.url, events=["order.paid"])
        with django_capture_on_commit_callbacks(execute=True):
            (delivery,) = event_emit(event="order.paid", payload={"number": 7})

        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.DELIVERED, 4, 200)
        attempts = list(delivery.attempt_log.all())
        assert [(a.number, a.response_code, a.succeeded) for a in attempts] == [
            (1, 500, False),
            (2, 500, False),
            (3, 503, False),
            (4, 200, True),
        ]
        assert attempts[0].response_body == ("Internal trouble " + "x" * 2000)[:1000]
        waits = [(a.next_attempt_at - a.attempted_at).total_seconds() if a.next_attempt_at else None for a in attempts]
        assert settings.WEBHOOKS_RETRY_BACKOFF_SECONDS == 60
        assert waits == [60, 120, 240, None]
        # Every try sent the same body, each signed anew.
        assert len({r.body for r in receiver.requests}) == 1
        assert len(receiver.requests) == 4
    # Celery's own retry uses the same backoff (no jitter): the logged next_attempt_at is when the retry runs.
    assert (webhook_deliver.retry_backoff, webhook_deliver.retry_jitter, webhook_deliver.max_retries) == (60, False, 7)


def test_after_the_last_attempt_the_delivery_fails_and_is_not_sent_again(
    alpha, receiver, eager_celery, django_capture_on_commit_callbacks, settings
):
    receiver.statuses = [500]
    with schema_context(alpha.schema):
        webhook_endpoint_create(url=receiver.url, events=["order.refunded"])
        with django_capture_on_commit_callbacks(execute=True):
            (delivery,) = event_emit(event="order.refunded", payload={"number": 8})
        delivery.refresh_from_db()
        assert settings.WEBHOOKS_MAX_ATTEMPTS == 8
        assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 8, None)
        assert list(delivery.attempt_log.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6, 7, 8]
        waits = [
            (a.next_attempt_at - a.attempted_at).total_seconds() if a.next_attempt_at else None
            for a in delivery.attempt_log.all()
        ]
        assert waits == [60, 120, 240, 480, 960, 1920, 3840, None]
        assert webhook_deliver.apply(args=[delivery.pk]).get() == {
            "delivery": delivery.pk,
            "status": "failed",
            "attempts": 8,
        }
        assert len(receiver.requests) == 8


def test_an_unreachable_endpoint_records_the_connection_error(
    alpha, eager_celery, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 2
    with schema_context(alpha.schema):
        webhook_endpoint_create(url="http://127.0.0.1:9/nothing-listens-here", events=["order.paid"])
        with django_capture_on_commit_callbacks(execute=True):
            (delivery,) = event_emit(event="order.paid", payload={})
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.FAILED, 8, None)
        assert delivery.error.startswith("URLError: ")


def test_only_active_subscribed_endpoints_get_an_event_and_nothing_is_built_without_one(alpha, receiver):
    with schema_context(alpha.schema):
        built = []

        def payload():
            built.append(1)
            return {"number": 1}

        assert event_emit(event="order.created", payload=payload) == []
        assert built == []
        paid_only = webhook_endpoint_create(url=receiver.url, events=["order.paid"])
        both = webhook_endpoint_create(url=receiver.url, events=["order.created", "order.paid"])
        stopped = webhook_endpoint_create(url=receiver.url, events=["order.created"])
        webhook_endpoint_update(endpoint=stopped, is_active=False)
        deliveries = event_emit(event="order.created", payload=payload)
        assert [d.endpoint_id for d in deliveries] == [both.pk]
        assert built == [1]
        assert paid_only.deliveries.count() == 0
        with pytest.raises(ValueError, match="Unknown webhook event"):
            event_emit(event="order.exploded", payload={})


def test_an_endpoint_created_inactive_receives_nothing(alpha, receiver):
    with schema_context(alpha.schema):
        off = webhook_endpoint_create(url=receiver.url, events=["order.paid"], is_active=False)
        on = webhook_endpoint_create(url=receiver.url, events=["order.paid"])
        assert (off.is_active, on.is_active) == (False, True)
        assert [d.endpoint_id for d in event_emit(event="order.paid", payload={"number": 1})] == [on.pk]


def test_nothing_is_queued_when_the_emitting_transaction_rolls_back(alpha, receiver, eager_celery):
    from django.db import transaction

    with schema_context(alpha.schema):
        webhook_endpoint_create(url=receiver.url, events=["order.paid"])
        with pytest.raises(RuntimeError), transaction.atomic():
            event_emit(event="order.paid", payload={"number": 1})
            raise RuntimeError("the order failed")
        assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        pytest.param("http://hooks.example.com/x", "Webhook URLs must use https.", id="plain-http"),
        pytest.param("https://127.0.0.1:8000/x", "Webhook URLs must point to a public host.", id="loopback"),
        pytest.param("https://10.1.2.3/x", "Webhook URLs must point to a public host.", id="private-ip"),
        pytest.param("https://localhost/x", "Webhook URLs must point to a public host.", id="localhost"),
        pytest.param("ftp://hooks.example.com/x", "Enter a valid http(s) URL.", id="not-http"),
    ],
)
def test_production_requires_https_to_a_public_host(alpha, url, problem):
    from django.core.exceptions import ValidationError

    with schema_context(alpha.schema), override_settings(WEBHOOKS_ALLOW_INSECURE_URLS=False):
        with pytest.raises(ValidationError) as error:
            webhook_endpoint_create(url=url, events=["order.paid"])
        assert error.value.message_dict == {"url": [problem]}
        assert webhook_endpoint_create(url="https://hooks.example.com/canopy", events=["order.paid"]).pk


def _in_own_connection(work):
    """Run `work` in a thread with its own database connection: what it writes is committed at once, so a worker
    process can read it (the test's own connection stays inside its rolled-back transaction)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the test thread
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def test_a_real_worker_delivers_in_the_company_schema(alpha, receiver, celery_worker_process):
    def emit():
        with schema_context(alpha.schema):
            endpoint = webhook_endpoint_create(url=receiver.url, events=["order.created"])
            (delivery,) = event_emit(event="order.created", payload={"number": 42})  # queued on commit
            return endpoint, delivery.pk

    def clean_up():
        with schema_context(alpha.schema):
            WebhookAttempt.objects.filter(delivery__endpoint=endpoint).delete()
            WebhookDelivery.objects.filter(endpoint=endpoint).delete()
            endpoint.delete()

    endpoint, delivery_id = _in_own_connection(emit)
    try:
        assert receiver.arrived.wait(30), "the worker never called the endpoint"
        request = receiver.requests[0]
        assert signature_verify(secret=endpoint.secret, body=request.body, header=request.headers[SIGNATURE_HEADER])
        assert json.loads(request.body)["data"] == {"number": 42}
        with schema_context(alpha.schema):
            for _ in range(300):  # the worker records the attempt just after the answer arrives
                delivery = WebhookDelivery.objects.get(pk=delivery_id)
                if delivery.status != DeliveryStatus.PENDING:
                    break
                time.sleep(0.1)
            assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.DELIVERED, 1, 200)
        with schema_context("beta"):
            assert not WebhookDelivery.objects.filter(pk=delivery_id).exists()
    finally:
        _in_own_connection(clean_up)


# ---------------------------------------------------------------------------------------------------- API

ENDPOINTS = "/api/v1/webhooks/endpoints/"
DELIVERIES = "/api/v1/webhooks/deliveries/"


def test_admins_register_endpoints_and_read_the_delivery_log(alpha, alpha_client, receiver):
    auth = token(alpha_client, alpha.admin_email)
    created = alpha_client.post(
        ENDPOINTS,
        {"url": receiver.url, "events": ["order.paid", "order.created"], "description": "ERP"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["events"] == ["order.created", "order.paid"]
    assert body["secret"].startswith("whsec_") and len(body["secret"]) == 54
    listed = alpha_client.get(ENDPOINTS, **auth).json()
    assert listed["count"] == 1 and "secret" not in listed["results"][0]

    bad = alpha_client.post(
        ENDPOINTS, {"url": "not a url", "events": ["order.paid"]}, content_type="application/json", **auth
    )
    assert bad.status_code == 400 and bad.json()["errors"] == {"url": ["Enter a valid http(s) URL."]}

    with schema_context(alpha.schema):
        for number in range(3):
            event_emit(event="order.paid", payload={"number": number})
        event_emit(event="order.created", payload={"number": 9})
    page = alpha_client.get(DELIVERIES, {"page_size": 2}, **auth).json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]
    paid = alpha_client.get(DELIVERIES, {"event": "order.paid", "status": "pending"}, **auth).json()
    assert paid["count"] == 3
    detail = alpha_client.get(f"{DELIVERIES}{paid['results'][0]['id']}/", **auth).json()
    assert detail["payload"]["data"] == {"number": 2} and detail["attempt_log"] == []

    stopped = alpha_client.patch(
        f"{ENDPOINTS}{body['id']}/", {"is_active": False}, content_type="application/json", **auth
    )
    assert stopped.status_code == 200 and stopped.json()["is_active"] is False and "secret" not in stopped.json()
    rotated = alpha_client.patch(
        f"{ENDPOINTS}{body['id']}/", {"rotate_secret": True}, content_type="application/json", **auth
    ).json()
    assert rotated["secret"] != body["secret"]


def test_the_webhook_api_is_for_company_admins_only(alpha, alpha_client):
    with schema_context(alpha.schema):
        enroll(enroll(None, "house"), "dana")
    auth = token(alpha_client, "dana@example.test")
    for path in (ENDPOINTS, DELIVERIES):
        assert alpha_client.get(path, **auth).status_code == 403
    assert alpha_client.get(ENDPOINTS).status_code in (401, 403)


def test_company_b_never_sees_or_touches_company_a_webhooks(alpha, beta, alpha_client, beta_client, receiver):
    with schema_context(alpha.schema):
        endpoint = webhook_endpoint_create(url=receiver.url, events=["order.paid"])
        (delivery,) = event_emit(event="order.paid", payload={"number": 1})
    auth_b = token(beta_client, beta.admin_email)
    assert beta_client.get(ENDPOINTS, **auth_b).json()["count"] == 0
    assert beta_client.get(DELIVERIES, **auth_b).json()["count"] == 0
    assert beta_client.get(f"{DELIVERIES}{delivery.pk}/", **auth_b).status_code == 404
    assert beta_client.get(f"{ENDPOINTS}{endpoint.pk}/", **auth_b).status_code == 404
    patched = beta_client.patch(
        f"{ENDPOINTS}{endpoint.pk}/", {"is_active": False}, content_type="application/json", **auth_b
    )
    assert patched.status_code == 404
    # A's token is not valid on B's domain either.
    auth_a = token(alpha_client, alpha.admin_email)
    assert beta_client.get(DELIVERIES, **auth_a).status_code == 401
    with schema_context(alpha.schema):
        assert WebhookEndpoint.objects.get(pk=endpoint.pk).is_active is True
        assert alpha_client.get(DELIVERIES, **auth_a).json()["count"] == 1


# ---------------------------------------------------------------------------------------------------- redelivery


def test_a_failed_delivery_is_sent_again_with_the_same_payload_and_a_fresh_signature(
    alpha, beta, alpha_client, beta_client, receiver, eager_celery, django_capture_on_commit_callbacks
):
    receiver.statuses = [500] * 8 + [200]
    with schema_context(alpha.schema):
        endpoint = webhook_endpoint_create(url=receiver.url, events=["order.paid"])
        with django_capture_on_commit_callbacks(execute=True):
            (delivery,) = event_emit(event="order.paid", payload={"number": 12})
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 8)
        old_secret = endpoint.secret
        endpoint = webhook_endpoint_update(endpoint=endpoint, rotate_secret=True)
        CompanyStaffFactory(email="staff@alpha.test")
    url = f"{DELIVERIES}{delivery.pk}/redeliver/"

    # Company B's admin: not found on B, and B's token is refused on A's domain.
    auth_b = token(beta_client, beta.admin_email)
    assert beta_client.post(url, **auth_b).status_code == 404
    assert alpha_client.post(url, **auth_b).status_code == 401
    assert alpha_client.post(url, **token(alpha_client, "staff@alpha.test")).status_code == 403
    assert len(receiver.requests) == 8

    auth_a = token(alpha_client, alpha.admin_email)
    with django_capture_on_commit_callbacks(execute=True):
        response = alpha_client.post(url, **auth_a)
    assert (response.status_code, response.json()["status"], response.json()["attempts"]) == (202, "pending", 8)
    with schema_context(alpha.schema):
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 9)
        assert [(a.number, a.succeeded) for a in delivery.attempt_log.all()] == [
            *((n, False) for n in range(1, 9)),
            (9, True),
        ]
    assert len(receiver.requests) == 9
    first, again = receiver.requests[0], receiver.requests[8]
    assert again.body == first.body  # same delivery id and payload
    assert json.loads(again.body)["data"] == {"number": 12}
    assert again.headers["Canopy-Delivery"] == str(delivery.pk)
    signature = again.headers[SIGNATURE_HEADER]
    assert signature_verify(secret=endpoint.secret, body=again.body, header=signature) is True
    assert signature_verify(secret=old_secret, body=again.body, header=signature) is False

    # Only a failed delivery can be sent again.
    refused = alpha_client.post(url, **auth_a)
    assert (refused.status_code, refused.json()) == (
        400,
        {
            "detail": "Invalid input.",
            "errors": {"status": ["Only failed deliveries can be sent again; this one is delivered."]},
        },
    )
    assert len(receiver.requests) == 9


def test_a_deactivated_endpoint_is_not_sent_again(alpha, receiver):
    from django.core.exceptions import ValidationError

    from core.webhooks.services import delivery_redeliver

    with schema_context(alpha.schema):
        endpoint = webhook_endpoint_create(url=receiver.url, events=["order.paid"])
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event="order.paid", payload={}, status=DeliveryStatus.FAILED, attempts=8
        )
        webhook_endpoint_update(endpoint=endpoint, is_active=False)
        with pytest.raises(ValidationError) as refused:
            delivery_redeliver(delivery=delivery)
        assert refused.value.message_dict == {
            "endpoint": ["The endpoint is deactivated: activate it before sending again."]
        }
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED
