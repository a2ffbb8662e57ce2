"""The back office's autoship and party pages: a distributor sets up, pauses, resumes and cancels their own
autoship (the card attached on the emulator), holds their own parties with guests' orders, and never sees another
distributor's, nor another company's."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.commerce.models import Autoship, AutoshipStatus, Order, OrderStatus, Party
from core.commerce.services.autoship import autoship_create
from core.commerce.services.orders import LineRequest
from core.commerce.services.parties import party_create
from frontend.tests.commerce_data import catalogue_make
from frontend.tests.conftest import enroll, signed_in
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(alpha, org):
    with schema_context(alpha.schema):
        return catalogue_make()


@pytest.fixture
def stripe_ready(alpha, stripe_emulator):
    with schema_context(alpha.schema):
        stripe_key_set(stripe_emulator.api_key)


def _autoship_data(**overrides) -> dict:
    return {
        "sku_0": "SHAKE",
        "quantity_0": "2",
        "sku_1": "BAR",
        "quantity_1": "1",
        "interval_months": "2",
        "first_run_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "card": "pm_card_visa",
        **overrides,
    }


def test_distributor_sets_up_pauses_resumes_and_cancels_an_autoship(alpha, ann_client, org, products, stripe_ready):
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    past = ann_client.post("/office/autoships/new/", _autoship_data(first_run_on=yesterday))
    assert past.status_code == 400
    assert past.context["form"].errors == {"first_run_on": ["Choose today or a later day."]}
    half = ann_client.post("/office/autoships/new/", _autoship_data(quantity_1=""))
    assert half.context["form"].errors == {"quantity_1": ["How many?"]}
    response = ann_client.post("/office/autoships/new/", _autoship_data())
    with schema_context(alpha.schema):
        autoship = Autoship.objects.get()
        items = sorted((i.product.sku, i.quantity) for i in autoship.items.select_related("product"))
    assert response["Location"] == f"/office/autoships/{autoship.pk}/"
    assert (autoship.member_id, autoship.interval_months, autoship.status) == (org.ann.pk, 2, AutoshipStatus.ACTIVE)
    assert autoship.next_run_on == timezone.localdate() + datetime.timedelta(days=3)
    assert autoship.stripe_customer_id.startswith("cus_") and autoship.stripe_payment_method_id.startswith("pm_")
    assert items == [("BAR", 1), ("SHAKE", 2)]
    page = ann_client.get(f"/office/autoships/{autoship.pk}/")
    assert (page.context["can_pause"], page.context["can_resume"], page.context["can_cancel"]) == (True, False, True)
    assert [a.pk for a in ann_client.get("/office/autoships/").context["page_obj"]] == [autoship.pk]
    for action, status in (("pause", "paused"), ("resume", "active"), ("cancel", "cancelled")):
        ann_client.post(f"/office/autoships/{autoship.pk}/", {"action": action})
        with schema_context(alpha.schema):
            assert Autoship.objects.get().status == status
    again = ann_client.post(f"/office/autoships/{autoship.pk}/", {"action": "cancel"}, follow=True)
    assert [str(m) for m in again.context["messages"]][-1] == "This autoship is already cancelled."


def test_an_autoship_needs_a_product(alpha, ann_client, products, stripe_ready):
    missing = ann_client.post(
        "/office/autoships/new/", _autoship_data(sku_0="", quantity_0="", sku_1="", quantity_1="")
    )
    assert missing.context["form"].errors == {"sku_0": ["Choose at least one product."]}
    with schema_context(alpha.schema):
        assert Autoship.objects.count() == 0


def test_distributor_sees_and_changes_only_their_own_autoships(alpha, beta, ann_client, org, products):
    with schema_context(alpha.schema):
        bobs = autoship_create(member=org.bob, items=[LineRequest("BAR", 1)], first_run_on=datetime.date(2030, 1, 1))
    assert list(ann_client.get("/office/autoships/").context["page_obj"]) == []
    assert ann_client.get(f"/office/autoships/{bobs.pk}/").status_code == 404
    assert ann_client.post(f"/office/autoships/{bobs.pk}/", {"action": "cancel"}).status_code == 404
    with schema_context(beta.schema):
        enroll(None, "zed", "Zed")
    zed = signed_in(beta, "zed@example.test")
    assert zed.get(f"/office/autoships/{bobs.pk}/").status_code == 404
    with schema_context(alpha.schema):
        assert Autoship.objects.get().status == AutoshipStatus.ACTIVE


def test_consultant_holds_a_party_and_places_guest_orders(alpha, ann_client, org, products):
    bad = ann_client.post("/office/parties/new/", {"host_name": "", "held_on": "2030-05-01"})
    assert bad.context["form"].errors == {"host_name": ["This field is required."]}
    response = ann_client.post(
        "/office/parties/new/", {"name": "Spring social", "host_name": "Hal", "held_on": "2030-05-01"}
    )
    with schema_context(alpha.schema):
        party = Party.objects.get()
    assert response["Location"] == f"/office/parties/{party.pk}/"
    assert (party.consultant_id, party.name) == (org.ann.pk, "Spring social")
    ann_client.post(f"/office/parties/{party.pk}/", {"guest_name": "Gail", "sku_0": "BAR", "quantity_0": "3"})
    ann_client.post(
        f"/office/parties/{party.pk}/",
        {"guest_name": "Gus", "sku_0": "SHAKE", "quantity_0": "1", "paid_with": "check", "reference": "#12"},
    )
    with schema_context(alpha.schema):
        orders = {o.buyer_name: o for o in Order.objects.filter(party=party)}
    assert (orders["Gail"].status, orders["Gail"].subtotal) == (OrderStatus.PENDING, Decimal("30.00"))
    assert (orders["Gus"].status, orders["Gus"].subtotal) == (OrderStatus.PAID, Decimal("49.99"))
    assert {o.credited_member_id for o in orders.values()} == {org.ann.pk}
    page = ann_client.get(f"/office/parties/{party.pk}/")
    assert page.context["party"].orders_count == 2
    listed = ann_client.get("/office/parties/").context["page_obj"]
    assert [(p.pk, p.orders_count) for p in listed] == [(party.pk, 2)]
    ann_client.post(f"/office/parties/{party.pk}/", {"action": "close"})
    with schema_context(alpha.schema):
        assert Party.objects.get().status == "closed"


def test_distributor_sees_only_their_own_parties(alpha, beta, ann_client, org, products):
    with schema_context(alpha.schema):
        bobs = party_create(consultant=org.bob, name="", host_name="Hal", held_on=datetime.date(2030, 5, 1))
    assert list(ann_client.get("/office/parties/").context["page_obj"]) == []
    assert ann_client.get(f"/office/parties/{bobs.pk}/").status_code == 404
    assert ann_client.post(f"/office/parties/{bobs.pk}/", {"action": "close"}).status_code == 404
    assert (
        ann_client.post(
            f"/office/parties/{bobs.pk}/", {"guest_name": "G", "sku_0": "BAR", "quantity_0": "1"}
        ).status_code
        == 404
    )
    with schema_context(beta.schema):
        enroll(None, "zed", "Zed")
    zed = signed_in(beta, "zed@example.test")
    assert zed.get(f"/office/parties/{bobs.pk}/").status_code == 404
    with schema_context(alpha.schema):
        assert Party.objects.get().status == "open" and Order.objects.count() == 0


def test_company_staff_cannot_open_the_back_office_pages(alpha, admin_client):
    assert admin_client.get("/office/autoships/").status_code == 403
    assert admin_client.get("/office/parties/").status_code == 403
