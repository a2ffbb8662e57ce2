"""Joining with an enrolment pack: optional by default ("no purchase necessary"), required when the company says so;
the pack's order is placed with the enrolment and paid by card after it commits."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from conftest import PASSWORD
from core.commerce.models import Order
from core.commerce.services.catalogue import product_update
from core.commerce.services.enrolment import distributor_enrol
from core.company.services import company_settings_update
from core.members.models import Member
from core.members.services.signup import Address
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.django_db

HOME = Address(line1="1 Main Street", city="Austin", postal_code="73301", country="US", region="TX")


def _enrol(sponsor, **kwargs):
    return distributor_enrol(
        sponsor=sponsor,
        username="eve",
        email="eve@example.test",
        first_name="Eve",
        last_name="Newcomer",
        password=PASSWORD,
        address=HOME,
        accepted_document_ids=[],
        ip_address="203.0.113.7",
        **kwargs,
    )


@pytest.fixture
def pack(catalogue):
    """The shake, offered as an enrolment pack: 39.99 at the distributor price."""
    return product_update(product=catalogue["shake"], enrolment_pack=True)


def test_joining_without_a_pack_needs_no_purchase_by_default(root, pack):
    enrolment = _enrol(root)
    assert (enrolment.order, enrolment.charge, enrolment.member.username) == (None, None, "eve")
    assert Order.objects.count() == 0


def test_a_company_that_requires_a_pack_refuses_a_join_without_one(root, pack):
    company_settings_update(changes={"enrolment_pack_required": True})
    with pytest.raises(ValidationError) as caught:
        _enrol(root)
    assert caught.value.message_dict == {"pack": ["Choose an enrolment pack: joining this company includes one."]}
    assert not Member.objects.filter(username="eve").exists()


def test_only_products_flagged_as_packs_can_be_chosen(root, catalogue, pack):
    with pytest.raises(ValidationError) as caught:
        _enrol(root, pack_sku=catalogue["book"].sku, payment_method_id="pm_card_visa")
    assert caught.value.message_dict == {"pack": ["This pack is not offered any more: choose another."]}


def test_a_pack_needs_a_card(root, pack):
    with pytest.raises(ValidationError) as caught:
        _enrol(root, pack_sku="SHAKE")
    assert caught.value.message_dict == {"card": ["Choose how to pay for your pack."]}
    assert not Member.objects.filter(username="eve").exists()


def test_a_pack_paid_by_card_is_the_new_distributors_first_order(root, pack, stripe_emulator):
    stripe_key_set(stripe_emulator.api_key)
    enrolment = _enrol(root, pack_sku="SHAKE", payment_method_id="pm_card_visa")
    order = Order.objects.get()
    assert enrolment.charge.succeeded
    assert (order.buyer_member_id, order.status, order.subtotal, order.tax, order.total, order.currency) == (
        enrolment.member.pk,
        "paid",
        Decimal("39.99"),
        Decimal("3.30"),  # Texas 8.25 % of 39.99 = 3.299…
        Decimal("43.29"),
        "USD",
    )
    assert (order.ship_country, order.ship_region) == ("US", "TX")


def test_a_declined_pack_card_leaves_the_member_joined_and_the_order_pending(root, pack, stripe_emulator):
    stripe_key_set(stripe_emulator.api_key)
    enrolment = _enrol(root, pack_sku="SHAKE", payment_method_id="pm_card_chargeCustomerFail")
    assert not enrolment.charge.succeeded
    assert Member.objects.filter(username="eve").exists()
    assert Order.objects.get().status == "pending"
