"""Signing up on a replicated site: the company's current terms are accepted with version, time and IP address."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import PASSWORD
from core.company.models import PolicyAcceptance, PolicyAudience, PolicyDocument
from core.company.selectors import policy_documents_current
from core.company.services import policy_document_publish
from core.members.models import Customer, Member
from core.members.services.signup import Address, customer_sign_up, member_join_online

pytestmark = pytest.mark.django_db

HOME = Address(line1="1 Main Street", city="Springfield", postal_code="12345", country="US", region="IL")


def _join(sponsor, accepted, ip="203.0.113.7", username="eve"):
    return member_join_online(
        sponsor=sponsor,
        username=username,
        email=f"{username}@example.test",
        first_name="Eve",
        last_name="Newcomer",
        password=PASSWORD,
        address=HOME,
        accepted_document_ids=accepted,
        ip_address=ip,
    )


@pytest.fixture
def documents(in_alpha):
    """Terms in their second version (the first replaced), a privacy policy, and a customer-only returns policy."""
    policy_document_publish(key="terms", title="Distributor agreement", body="Version one.")
    terms = policy_document_publish(key="terms", title="Distributor agreement", body="Version two.")
    privacy = policy_document_publish(key="privacy", title="Privacy policy", body="We keep your data safe.")
    returns = policy_document_publish(
        key="returns", title="Returns", body="30 days.", applies_to=PolicyAudience.CUSTOMERS
    )
    return {"terms": terms, "privacy": privacy, "returns": returns}


def test_a_new_version_is_added_and_the_old_one_kept(documents):
    assert list(PolicyDocument.objects.filter(key="terms").values_list("version", "body")) == [
        (2, "Version two."),
        (1, "Version one."),
    ]
    assert [d.pk for d in policy_documents_current(audience=PolicyAudience.DISTRIBUTORS)] == [
        documents["privacy"].pk,
        documents["terms"].pk,
    ]


def test_joining_records_each_current_document_with_version_time_and_ip(root, documents):
    before = timezone.now()
    eve = _join(root, [documents["privacy"].pk, documents["terms"].pk])
    rows = list(
        PolicyAcceptance.objects.filter(user=eve.user)
        .order_by("document__key")
        .values_list("document__key", "version", "ip_address")
    )
    assert rows == [("privacy", 1, "203.0.113.7"), ("terms", 2, "203.0.113.7")]
    accepted_at = PolicyAcceptance.objects.filter(user=eve.user).values_list("accepted_at", flat=True)
    assert all(before <= moment <= timezone.now() for moment in accepted_at)
    eve.refresh_from_db()
    assert (eve.address_line1, eve.city, eve.region, eve.postal_code, eve.country, eve.sponsor_id) == (
        "1 Main Street",
        "Springfield",
        "IL",
        "12345",
        "US",
        root.pk,
    )


def test_terms_replaced_while_signing_up_enrol_nobody(root, documents):
    shown = [documents["privacy"].pk, documents["terms"].pk]
    policy_document_publish(key="terms", title="Distributor agreement", body="Version three.")
    with pytest.raises(ValidationError) as caught:
        _join(root, shown)
    assert caught.value.message_dict == {
        "accept_terms": ["The terms changed while you were signing up: please read and accept them again."]
    }
    assert not Member.objects.filter(username="eve").exists()
    assert PolicyAcceptance.objects.count() == 0


def test_a_document_published_later_is_not_current_yet(root, documents):
    PolicyDocument.objects.filter(pk=documents["privacy"].pk).update(
        published_at=timezone.now() + datetime.timedelta(days=1)
    )
    eve = _join(root, [documents["terms"].pk])
    assert list(PolicyAcceptance.objects.filter(user=eve.user).values_list("document__key", flat=True)) == ["terms"]


def test_a_customer_accepts_the_documents_for_customers(root, documents):
    carl = customer_sign_up(
        distributor=root,
        email="carl@example.test",
        first_name="Carl",
        last_name="Buyer",
        password=PASSWORD,
        address=HOME,
        accepted_document_ids=[documents["privacy"].pk, documents["returns"].pk, documents["terms"].pk],
        ip_address="2001:db8::1",
    )
    rows = set(PolicyAcceptance.objects.filter(user=carl.user).values_list("document__key", "version", "ip_address"))
    assert rows == {("privacy", 1, "2001:db8::1"), ("returns", 1, "2001:db8::1"), ("terms", 2, "2001:db8::1")}
    assert Customer.objects.get(pk=carl.pk).postal_code == "12345"


def test_a_missing_address_names_its_fields(root, in_alpha):
    with pytest.raises(ValidationError) as caught:
        member_join_online(
            sponsor=root,
            username="eve",
            email="eve@example.test",
            first_name="Eve",
            last_name="N",
            password=PASSWORD,
            address=Address(line1=" ", city="", postal_code="", country="XX"),
            accepted_document_ids=[],
            ip_address=None,
        )
    assert caught.value.message_dict == {
        "address_line1": ["This field is required."],
        "city": ["This field is required."],
        "postal_code": ["This field is required."],
        "country": ["Choose a country from the list."],
    }
