import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.commerce.models import MemberVolume, PriceTier
from core.commerce.selectors.volume import orders_for_commissions
from core.commerce.services.orders import LineRequest
from core.commerce.services.parties import party_close, party_create, party_guest_order_place
from core.commerce.services.payments import order_pay_offline

pytestmark = pytest.mark.django_db


def test_party_guests_orders_are_credited_to_the_consultant_and_paid_in_cash(root, enroll, catalogue):
    consultant = enroll(root)
    party = party_create(
        consultant=consultant, name="Spring", host_name="Helen Host", held_on=datetime.date(2026, 3, 7)
    )
    paid_at = datetime.datetime(2026, 3, 7, 20, 0, tzinfo=datetime.UTC)
    for guest in ("Gail", "Gus"):
        order = party_guest_order_place(party=party, guest_name=guest, lines=[LineRequest("SHAKE", 1)])
        assert (order.credited_member, order.price_tier, order.buyer_name, order.total) == (
            consultant,
            PriceTier.RETAIL,
            guest,
            Decimal("49.99"),
        )
        order_pay_offline(order=order, method="cash", paid_at=paid_at)
    volume = MemberVolume.objects.get(member=consultant)
    assert (volume.pv, volume.psv, volume.cv) == (Decimal("0.00"), Decimal("80.00"), Decimal("70.00"))
    rows = orders_for_commissions(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    assert {r["party_id"] for r in rows} == {party.pk}

    party_close(party=party)
    with pytest.raises(ValidationError) as error:
        party_guest_order_place(party=party, guest_name="Late", lines=[LineRequest("SHAKE", 1)])
    assert error.value.message_dict == {"party": ["This party is closed."]}
