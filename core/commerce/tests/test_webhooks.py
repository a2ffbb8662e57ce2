# ruff: noqa: F811  (the receiver and eager_celery fixtures are imported from the webhooks tests)
"""Orders emit order.created, order.paid and order.refunded to the company's webhook endpoints (delivered to a real
local HTTP server, signed)."""

import json

import pytest

from core.commerce.models import PlacedBy
from core.commerce.services.orders import LineRequest, order_place
from core.commerce.services.payments import order_pay_offline
from core.commerce.services.refunds import order_refund
from core.webhooks.models import DeliveryStatus, WebhookDelivery
from core.webhooks.services import SIGNATURE_HEADER, signature_verify, webhook_endpoint_create
from core.webhooks.tests.conftest import eager_celery, receiver  # noqa: F401

pytestmark = pytest.mark.django_db


def test_an_order_emits_created_paid_and_refunded(
    root,
    enroll,
    catalogue,
    receiver,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    endpoint = webhook_endpoint_create(url=receiver.url, events=["order.created", "order.paid", "order.refunded"])
    dist = enroll(root, username="dana")
    with django_capture_on_commit_callbacks(execute=True):
        order = order_place(
            lines=[LineRequest("SHAKE", 2), LineRequest("BOOK", 1)],
            placed_by=PlacedBy.DISTRIBUTOR,
            buyer_member=dist,
            ship_country="US",
            ship_region="TX",
        )
    with django_capture_on_commit_callbacks(execute=True):
        order_pay_offline(order=order, method="cash")
    with django_capture_on_commit_callbacks(execute=True):
        line = order.lines.get(sku="SHAKE")
        refund = order_refund(order=order, lines={line.pk: 1}, reason="Damaged")

    bodies = [json.loads(r.body) for r in receiver.requests]
    assert [b["event"] for b in bodies] == ["order.created", "order.paid", "order.refunded"]
    for request in receiver.requests:
        assert signature_verify(secret=endpoint.secret, body=request.body, header=request.headers[SIGNATURE_HEADER])
    created, paid, refunded = (b["data"] for b in bodies)
    assert {
        k: created[k] for k in ("number", "status", "placed_by", "buyer_member_number", "credited_member_number")
    } == {
        "number": order.number,
        "status": "pending",
        "placed_by": "distributor",
        "buyer_member_number": dist.number,
        "credited_member_number": dist.number,
    }
    assert (created["subtotal"], created["tax"], created["total"], created["pv_total"]) == (
        "94.98",
        "6.60",
        "101.58",
        "80.00",
    )
    assert created["lines"] == [
        {"sku": "SHAKE", "quantity": 2, "unit_price": "39.99", "line_total": "86.58", "refunded_quantity": 0},
        {"sku": "BOOK", "quantity": 1, "unit_price": "15.00", "line_total": "15.00", "refunded_quantity": 0},
    ]
    assert (paid["status"], paid["paid_at"] is not None) == ("paid", True)
    assert refunded["status"] == "partially_refunded"
    assert refunded["refund"] == {"id": refund.pk, "amount": "43.29", "pv": "40.00", "cv": "35.00", "reason": "Damaged"}
    assert refunded["refunded_amount"] == "43.29"
    assert [d.status for d in WebhookDelivery.objects.order_by("id")] == [DeliveryStatus.DELIVERED] * 3


def test_a_rejected_order_emits_nothing(root, enroll, catalogue, receiver):
    from django.core.exceptions import ValidationError

    webhook_endpoint_create(url=receiver.url, events=["order.created"])
    with pytest.raises(ValidationError):
        order_place(lines=[LineRequest("SHAKE", 500)], placed_by=PlacedBy.DISTRIBUTOR, buyer_member=enroll(root))
    assert WebhookDelivery.objects.count() == 0
