"""Outgoing webhooks: registering endpoints, emitting events and delivering them.

An event (event_emit) becomes one WebhookDelivery per active endpoint subscribed to it, written in the caller's
transaction; the deliveries are queued only once that transaction commits (nothing is sent for a rolled-back order).
The Celery task webhook_deliver (tasks.py) calls delivery_attempt once per try: every try is a WebhookAttempt row,
and a failed try leaves the delivery pending with next_attempt_at set to when Celery retries it (exponential backoff);
after WEBHOOKS_MAX_ATTEMPTS tries it is failed.

Signature: header ``Canopy-Signature: t=<unix seconds>,v1=<hex>``, where hex is HMAC-SHA256 with the endpoint's
secret over ``"<t>.<raw body>"``. Receivers recompute it, compare in constant time and reject old timestamps."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django_tenants.utils import schema_context

from config.tenancy import current_schema
from core.webhooks import tasks
from core.webhooks.egress import NOT_PUBLIC, RefusedDestination, destination_check, pinned_opener
from core.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

SIGNATURE_HEADER = "Canopy-Signature"
EXCERPT_CHARS = 1000


# ---------------------------------------------------------------------------------------------------- endpoints


def _url_problems(url: str) -> list[str]:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return [gettext("Enter a valid http(s) URL.")]
    if not settings.WEBHOOKS_ALLOW_INSECURE_URLS and urlsplit(url).scheme != "https":
        return [gettext("Webhook URLs must use https.")]
    try:
        destination_check(url, must_resolve=False)
    except RefusedDestination:
        return [gettext(NOT_PUBLIC)]
    return []


def _events_problems(events: list[str]) -> list[str]:
    if not events:
        return [gettext("Subscribe to at least one event.")]
    unknown = [e for e in events if e not in WebhookEvent.values]
    if unknown:
        return [
            gettext("Unknown event %(choices)s; choose from %(choices2)s.")
            % {"choices": ", ".join(map(repr, unknown)), "choices2": ", ".join(WebhookEvent.values)}
        ]
    return []


def _secret_new() -> str:
    return f"whsec_{secrets.token_hex(24)}"


@transaction.atomic
def webhook_endpoint_create(
    *, url: str, events: list[str], description: str = "", is_active: bool = True
) -> WebhookEndpoint:
    """A new endpoint with its signing secret; one created inactive receives nothing until it is switched on."""
    url = (url or "").strip()
    errors = {}
    if problems := _url_problems(url):
        errors["url"] = problems
    if problems := _events_problems(list(events)):
        errors["events"] = problems
    if errors:
        raise ValidationError(errors)
    return WebhookEndpoint.objects.create(
        url=url,
        events=sorted(set(events)),
        description=description.strip(),
        is_active=is_active,
        secret=_secret_new(),
    )


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
    rotate_secret: bool = False,
) -> WebhookEndpoint:
    """Change what was given. Deactivating stops new deliveries and the retries of pending ones."""
    errors = {}
    if url is not None:
        url = url.strip()
        if problems := _url_problems(url):
            errors["url"] = problems
        endpoint.url = url
    if events is not None:
        if problems := _events_problems(list(events)):
            errors["events"] = problems
        endpoint.events = sorted(set(events))
    if errors:
        raise ValidationError(errors)
    if description is not None:
        endpoint.description = description.strip()
    if is_active is not None:
        endpoint.is_active = is_active
    if rotate_secret:
        endpoint.secret = _secret_new()
    endpoint.save()
    return endpoint


# ---------------------------------------------------------------------------------------------------- emitting


def _queue(schema_name: str, delivery_ids: list[int]) -> None:
    with schema_context(schema_name):  # the task carries the schema it is sent from
        for delivery_id in delivery_ids:
            tasks.webhook_deliver.delay(delivery_id)


@transaction.atomic
def event_emit(*, event: str, payload: dict | Callable[[], dict]) -> list[WebhookDelivery]:
    """Record `event` for every active endpoint subscribed to it and queue the deliveries after commit.

    The payload is frozen now (Decimals and dates become strings), so a retry sends the same body. One query finds
    the endpoints: with none subscribed, emitting costs that query only (pass a callable to build the payload only
    when someone listens)."""
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}.")
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True, events__contains=[event]).order_by("id"))
    if not endpoints:
        return []
    now = timezone.now()
    data = payload() if callable(payload) else payload
    body = json.loads(
        json.dumps({"event": event, "created_at": now, "data": data}, cls=DjangoJSONEncoder, sort_keys=True)
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=e, event=event, payload=body, next_attempt_at=now) for e in endpoints
    )
    schema_name, ids = current_schema(), [d.pk for d in deliveries]
    transaction.on_commit(lambda: _queue(schema_name, ids))
    return deliveries


@transaction.atomic
def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery that was given up on again, once the receiver is fixed: the same delivery (same id and
    payload, so a receiver that already has it can tell), pending again with a fresh round of tries queued after
    commit. Each try is signed when it is sent, so the signature is fresh (and uses the endpoint's current secret).
    The earlier attempts stay in the log; the new ones continue their numbering."""
    delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.FAILED:
        now = delivery.get_status_display().lower()
        raise ValidationError(
            {"status": gettext("Only failed deliveries can be sent again; this one is %(now)s.") % {"now": now}}
        )
    if not delivery.endpoint.is_active:
        raise ValidationError({"endpoint": gettext("The endpoint is deactivated: activate it before sending again.")})
    delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    schema_name, ids = current_schema(), [delivery.pk]
    transaction.on_commit(lambda: _queue(schema_name, ids))
    return delivery


# ---------------------------------------------------------------------------------------------------- delivering


def body_bytes(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent (and signed): the payload as compact JSON with sorted keys, plus the delivery id."""
    return json.dumps({"id": delivery.pk, **delivery.payload}, sort_keys=True, separators=(",", ":")).encode()


def signature_header(*, secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signature_verify(*, secret: str, body: bytes, header: str, tolerance_seconds: int = 300) -> bool:
    """What a receiver does (kept here for tests and for companies' integration docs)."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance_seconds:
        return False
    expected = signature_header(secret=secret, body=body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    body: str
    error: str
    refused: bool = False

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _post(url: str, body: bytes, headers: dict[str, str]) -> PostResult:
    """POST to ``url`` after checking, now, every address its host resolves to (core.webhooks.egress); the
    connection goes to the checked address. A refused destination is never contacted and nothing of it is kept."""
    try:
        destination = destination_check(url, must_resolve=True)
    except RefusedDestination as refused:
        return PostResult(None, "", f"Refused: {refused}"[:500], refused=True)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with pinned_opener(destination).open(request, timeout=settings.WEBHOOKS_TIMEOUT_SECONDS) as response:
            return PostResult(response.status, response.read(EXCERPT_CHARS).decode("utf-8", "replace"), "")
    except urllib.error.HTTPError as exc:
        # A redirect is not followed and its body is not kept: it only says where else to go.
        excerpt = "" if 300 <= exc.code < 400 else exc.read(EXCERPT_CHARS).decode("utf-8", "replace")
        return PostResult(exc.code, excerpt, "")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return PostResult(None, "", f"{type(exc).__name__}: {reason}"[:500])


def retry_delay_seconds(attempt_number: int) -> int:
    """The wait after the `attempt_number`-th failed try: the same formula Celery's autoretry uses (no jitter)."""
    return get_exponential_backoff_interval(
        factor=settings.WEBHOOKS_RETRY_BACKOFF_SECONDS,
        retries=attempt_number - 1,
        maximum=settings.WEBHOOKS_RETRY_BACKOFF_MAX_SECONDS,
        full_jitter=False,
    )


def delivery_attempt(*, delivery_id: int, final: bool) -> WebhookDelivery:
    """Send one delivery once and record the try. `final`: no retry follows, so a failure fails the delivery.

    A delivery that is no longer pending (delivered, failed) is left alone: a repeated task does nothing. The HTTP
    call happens outside any transaction (no row lock is held while waiting for the receiver)."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.PENDING:
        return delivery
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED, error="The endpoint was deactivated.", next_attempt_at=None
        )
        delivery.refresh_from_db()
        return delivery
    body = body_bytes(delivery)
    sent_at = timezone.now()
    result = _post(
        endpoint.url,
        body,
        {
            "Content-Type": "application/json",
            "User-Agent": "Canopy-Webhooks/1",
            "Canopy-Event": delivery.event,
            "Canopy-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: signature_header(secret=endpoint.secret, body=body, timestamp=int(sent_at.timestamp())),
        },
    )
    return _attempt_record(delivery_id=delivery.pk, sent_at=sent_at, result=result, final=final)


@transaction.atomic
def _attempt_record(*, delivery_id: int, sent_at: datetime.datetime, result: PostResult, final: bool):
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    number = delivery.attempts + 1
    if result.ok:
        status, next_at, delivered_at = DeliveryStatus.DELIVERED, None, timezone.now()
    elif final or result.refused:
        # A refused destination is not retried: the URL has to change first.
        status, next_at, delivered_at = DeliveryStatus.FAILED, None, None
    else:
        status = DeliveryStatus.PENDING
        next_at, delivered_at = sent_at + datetime.timedelta(seconds=retry_delay_seconds(number)), None
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        attempted_at=sent_at,
        response_code=result.status_code,
        response_body=result.body,
        error=result.error,
        succeeded=result.ok,
        next_attempt_at=next_at,
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=F("attempts") + 1,
        status=status,
        response_code=result.status_code,
        response_body=result.body,
        error=result.error,
        last_attempt_at=sent_at,
        next_attempt_at=next_at,
        delivered_at=delivered_at,
    )
    delivery.refresh_from_db()
    return delivery
