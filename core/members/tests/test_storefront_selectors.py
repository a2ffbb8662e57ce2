"""The company site's storefront reads: whom a company-site purchase is credited to (picked > referral cookie >
house account) and "Find a distributor" (opted-in members only, by name or city).

    house (root, 100001-ish)
    ├── ann  Austin   listed
    │   └── bob  Denver  listed, then suspended
    └── cat  Austin   not listed
"""

import pytest

from core.company.services import company_settings_update
from core.members.models import Member, MemberStatus
from core.members.selectors import AttributionSource, distributor_directory, house_member, shop_attribution

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(enroll, root):
    ann = enroll(root, username="ann", first_name="Ann", last_name="Archer")
    bob = enroll(ann, username="bob", first_name="Bob", last_name="Baker")
    cat = enroll(root, username="cat", first_name="Cat", last_name="Carter")
    for member, city, listed in ((ann, "Austin", True), (bob, "Denver", True), (cat, "Austin", False)):
        Member.objects.filter(pk=member.pk).update(city=city, listed_in_directory=listed)
    return {"root": root, "ann": ann, "bob": bob, "cat": cat}


def _credit(**kwargs):
    attribution = shop_attribution(**kwargs)
    return attribution.member.username, attribution.source


@pytest.mark.parametrize(
    ("picked", "referred_by", "expected"),
    [
        pytest.param("bob", "ann", ("bob", AttributionSource.PICKED), id="picked-beats-cookie"),
        pytest.param("", "ann", ("ann", AttributionSource.REFERRAL), id="cookie-without-pick"),
        pytest.param("", "", ("house", AttributionSource.HOUSE), id="nobody-house"),
        pytest.param("nobody", "ann", ("ann", AttributionSource.REFERRAL), id="unknown-pick-falls-to-cookie"),
        pytest.param("nobody", "ghost", ("house", AttributionSource.HOUSE), id="unknown-both-house"),
        pytest.param("BOB", "", ("bob", AttributionSource.PICKED), id="username-any-case"),
    ],
)
def test_attribution_order_is_picked_then_referral_then_house(people, picked, referred_by, expected):
    assert _credit(picked=picked, referred_by=referred_by) == expected


def test_a_suspended_or_terminated_distributor_is_never_credited(people):
    Member.objects.filter(pk=people["bob"].pk).update(status=MemberStatus.SUSPENDED)
    assert _credit(picked="bob", referred_by="ann") == ("ann", AttributionSource.REFERRAL)
    Member.objects.filter(pk=people["ann"].pk).update(status=MemberStatus.TERMINATED)
    assert _credit(picked="bob", referred_by="ann") == ("house", AttributionSource.HOUSE)


def test_the_house_account_is_the_root_member_unless_the_company_names_one(people):
    assert house_member().username == "house"
    # The terminated tree's root number is another setting and never the house account.
    company_settings_update(changes={"terminated_tree_root_number": people["cat"].number})
    assert house_member().username == "house"
    company_settings_update(changes={"house_member_number": people["ann"].number})
    assert house_member().username == "ann"
    assert _credit() == ("ann", AttributionSource.HOUSE)


def test_naming_a_house_member_that_does_not_exist_is_refused(people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        company_settings_update(changes={"house_member_number": 999_999_999})
    assert refused.value.message_dict == {"house_member_number": ["No member has the number 999999999."]}


def _names(query=""):
    return [(m.first_name, m.city) for m in distributor_directory(query=query)]


def test_find_a_distributor_lists_only_members_who_opted_in(people):
    assert _names() == [("Ann", "Austin"), ("Bob", "Denver")]
    assert _names("austin") == [("Ann", "Austin")]  # Cat lives in Austin too, but is not listed
    assert _names("bak") == [("Bob", "Baker")[:1] + ("Denver",)]
    assert _names("ann austin") == [("Ann", "Austin")]
    assert _names("carter") == []
    assert _names("x" * 5000) == []  # long input is cut, never an error
    Member.objects.filter(pk=people["bob"].pk).update(status=MemberStatus.SUSPENDED)
    assert _names() == [("Ann", "Austin")]


def test_find_a_distributor_loads_only_public_fields(people):
    listed = distributor_directory().get(username="ann")
    assert listed.get_deferred_fields() >= {"email", "phone", "address_line1", "sponsor_path", "tax_id_encrypted"}
