"""The distributor's back office, through the Django test client."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.commerce.models import MemberVolume
from core.commerce.public import company_date, period_start_for
from core.communications.services import announcement_create, newsletter_subscribe, training_material_create
from core.members.models import Member
from core.members.services.profiles import genealogy_settings_update, member_status_set
from frontend.tests.conftest import enroll, signed_in
from plans.services_plan_versions import plan_version_activate, plan_version_create
from tests.factories.members import CustomerFactory

pytestmark = pytest.mark.django_db


def test_dashboard_counts_the_downline_and_shows_live_figures_before_any_calculation(alpha, ann_client, org):
    with schema_context(alpha.schema):
        enroll(org.ann, "ann2", "Annie")
        CustomerFactory(distributor=org.ann, email="c1@example.test", first_name="C", last_name="One", with_login=False)
        newsletter_subscribe(email="fan@example.test", distributor=org.ann)
    response = ann_client.get("/office/")
    context = response.context
    assert (context["frontline"], context["downline_total"], context["customers"], context["subscribers"]) == (
        2,
        3,
        1,
        1,
    )
    assert context["level_counts"] == [(1, 2), (2, 1)]
    assert [(leg.head.username, leg.members) for leg in context["legs"]] == [("bob", 2), ("ann2", 1)]
    html = response.content.decode()
    # Before any order or calculation: zero volumes (GV too, live), and the rank says it is not calculated yet.
    figures = context["figures"]
    assert (figures.pv, figures.psv, figures.cv, figures.gv, figures.source) == (0, 0, 0, 0, "live")
    assert 'data-testid="gv">0.00<' in html and 'data-testid="paid-as-rank">Not calculated yet<' in html
    assert context["standing"].stage_key == ""


def test_tree_page_hands_the_viewer_its_api_and_keeps_a_page_per_branch(ann_client, org):
    html = ann_client.get("/office/genealogy/").content.decode()
    assert f'data-root="{org.ann.number}" data-tree="sponsor" data-binary="false"' in html
    assert 'data-children-url="/api/v1/genealogy/0/children/"' in html
    assert f'data-search-url="/api/v1/genealogy/{org.ann.number}/search/"' in html
    assert "/static/vendor/d3/d3.min.js" in html
    assert "Placement tree" not in html and "Binary view" not in html  # a unilevel company: the sponsor tree only
    partial = ann_client.get(f"/office/genealogy/{org.bob.number}/children/", HTTP_HX_REQUEST="true")
    assert [m.username for m in partial.context["children"]] == ["cat"]
    assert "<html" not in partial.content.decode()


def test_level_list_filters_and_paginates(alpha, ann_client, org):
    with schema_context(alpha.schema):
        for n in range(55):
            enroll(org.cat, f"leaf{n}", "Leaf")
        member_status_set(member=Member.objects.get(username="leaf0"), status="inactive")
    response = ann_client.get("/office/genealogy/levels/")
    assert response.context["page_obj"].paginator.count == 57
    assert [m.username for m in response.context["page_obj"]][:2] == ["bob", "cat"]
    response = ann_client.get("/office/genealogy/levels/?level=3&page=2")
    assert response.context["page_obj"].paginator.count == 55
    assert len(response.context["page_obj"].object_list) == 5
    assert 'href="?level=3&amp;page=1"' in response.content.decode()
    response = ann_client.get("/office/genealogy/levels/?status=inactive")
    assert [m.username for m in response.context["page_obj"]] == ["leaf0"]
    response = ann_client.get("/office/genealogy/levels/?q=cat", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="level-results")
    assert [(m.username, m.level) for m in response.context["page_obj"]] == [("cat", 2)]
    assert "<html" not in response.content.decode()


def test_level_list_shows_rank_and_volumes_sorts_and_exports_csv(alpha, ann_client, org):
    with schema_context(alpha.schema):
        start = period_start_for(company_date(timezone.now()))
        MemberVolume.objects.create(member=org.bob, period_start=start, pv="10.00", psv="10.00", cv="10.00")
        MemberVolume.objects.create(member=org.cat, period_start=start, pv="30.50", psv="30.50", cv="30.50")
        Member.objects.filter(pk=org.cat.pk).update(paid_as_rank="silver")
    response = ann_client.get("/office/genealogy/levels/?sort=-pv")
    assert [(m.username, m.period_pv, m.rank_name) for m in response.context["page_obj"]] == [
        ("cat", Decimal("30.50"), "silver"),
        ("bob", Decimal("10.00"), ""),
    ]
    html = response.content.decode()
    assert 'aria-sort="descending"' in html and 'href="?sort=pv"' in html
    assert [m.username for m in ann_client.get("/office/genealogy/levels/?sort=pv").context["page_obj"]] == [
        "bob",
        "cat",
    ]
    export = ann_client.get("/office/genealogy/levels.csv?sort=-pv")
    assert export.status_code == 200
    assert export["Content-Type"] == "text/csv"
    rows = b"".join(export.streaming_content).decode().splitlines()
    assert rows[0] == "Level,Member number,Name,Username,Rank,Status,PV,GV,Joined"
    assert [row.split(",")[:8] for row in rows[1:]] == [
        ["2", str(org.cat.number), "Cat Tester", "cat", "silver", "Active", "30.50", ""],
        ["1", str(org.bob.number), "Bob Tester", "bob", "", "Active", "10.00", ""],
    ]  # only ann's own downline; GV waits for the period's run
    assert ann_client.get("/office/genealogy/levels.csv?sort=bogus&level=x&status=nope").status_code == 200


def test_member_details_only_inside_the_downline(ann_client, org):
    response = ann_client.get(f"/office/members/{org.cat.number}/")
    assert response.status_code == 200
    assert (response.context["level"], response.context["sponsor"].pk) == (2, org.bob.pk)
    for outside in (org.root, org.dan):
        assert ann_client.get(f"/office/members/{outside.number}/").status_code == 403
        assert ann_client.get(f"/office/genealogy/{outside.number}/children/").status_code == 403
    assert ann_client.get("/office/members/999999/").status_code == 404


def test_binary_view_only_for_binary_companies(alpha, org):
    client = signed_in(alpha, "house@example.test")
    response = client.get("/office/genealogy/binary/")
    assert response.status_code == 404
    assert "This company&#x27;s compensation plan has no binary component." in response.content.decode()
    with schema_context(alpha.schema):
        genealogy_settings_update(changes={"placement_method": "binary"})
        left = enroll(org.root, "lefty", "Lefty")
        right = enroll(org.root, "righty", "Righty")
    # Placed left/right but the plan pays no binary bonus yet: still no binary view.
    assert client.get("/office/genealogy/binary/").status_code == 404
    with schema_context(alpha.schema):
        start = period_start_for(company_date(timezone.now()))
        admin = User.objects.get(email=alpha.admin_email)
        document = json.loads((Path(settings.BASE_DIR) / "plans/engine/examples/binary.json").read_text())
        plan_version_activate(version=plan_version_create(document=document, by=admin), effective_from=start, by=admin)
        MemberVolume.objects.create(member=left, period_start=start, pv="1234.50", psv="1234.50", cv="1234.50")
    # Extreme-outside spillover on the left (the default side): lefty under the root, righty under lefty.
    response = client.get("/office/genealogy/binary/")
    assert response.status_code == 200
    assert 'href="/office/genealogy/binary/"' in client.get("/office/genealogy/").content.decode()
    legs = response.context["legs"]

    def names(slot):
        return [s.card.username if s.card else None for s in slot.slots]

    assert response.context["top"].pk == org.root.pk
    assert [leg.slots.card.username if leg.slots.card else None for leg in legs] == ["lefty", None]
    assert names(legs[0].slots) == ["righty", None]
    assert legs[1].slots.slots == []  # nothing is drawn under an open slot
    assert [(leg.side, leg.head.username if leg.head else None, leg.members) for leg in response.context["legs"]] == [
        ("left", "lefty", 2),
        ("right", None, 0),
    ]
    # The leg's volume reads as every number in the back office: thousands separated, two decimals.
    assert 'data-testid="leg-left-volume">1,234.50</dd>' in response.content.decode()
    # Each member in the slots shows their own legs: the root 1,234.50 on the left (lefty's), lefty nothing yet.
    assert "Left 1,234.50 · Right 0.00" in response.content.decode()
    assert (legs[0].slots.legs.left, legs[0].slots.legs.right) == (Decimal("0.00"), Decimal("0.00"))
    assert client.get(f"/office/genealogy/binary/?top={left.number}").context["top"].pk == left.pk
    assert right.placement_parent_id == left.pk
    assert client.get(f"/office/genealogy/binary/?top={org.ann.number}").status_code == 200
    ann_client = signed_in(alpha, "ann@example.test")
    assert ann_client.get(f"/office/genealogy/binary/?top={left.number}").status_code == 403


def test_customers_and_subscribers_are_only_the_distributors_own(alpha, ann_client, org):
    with schema_context(alpha.schema):
        CustomerFactory(distributor=org.ann, email="mine@example.test", first_name="Mine", last_name="C", password=None)
        CustomerFactory(distributor=org.bob, email="bobs@example.test", first_name="Bobs", last_name="C", password=None)
        newsletter_subscribe(email="a@example.test", distributor=org.ann)
        newsletter_subscribe(email="b@example.test", distributor=org.bob)
    assert [c.email for c in ann_client.get("/office/customers/").context["page_obj"]] == ["mine@example.test"]
    assert [s.email for s in ann_client.get("/office/subscribers/").context["page_obj"]] == ["a@example.test"]


def test_announcements_and_training_in_the_back_office(alpha, ann_client, org):
    from django.utils import timezone

    with schema_context(alpha.schema):
        announcement_create(title="New catalogue", body="Out now", published_at=timezone.now())
        announcement_create(title="Secret draft", body="Not yet")
        announcement_create(title="For customers", body="x", audience="customers", published_at=timezone.now())
        training_material_create(title="Your first week", body="Call five friends.", category="Start")
    html = ann_client.get("/office/announcements/").content.decode()
    assert "New catalogue" in html and "Secret draft" not in html and "For customers" not in html
    html = ann_client.get("/office/training/").content.decode()
    assert "<summary>Your first week</summary>" in html and "<h2>Start</h2>" in html


def test_profile_edit_saves_through_the_service(alpha, ann_client, org):
    data = {"first_name": "Annabel", "last_name": "Tester", "country": "GB", "bio": "Tea since 1999."}
    assert ann_client.post("/office/profile/", data).status_code == 302
    with schema_context(alpha.schema):
        ann = Member.objects.get(pk=org.ann.pk)
    assert (ann.first_name, ann.country, ann.bio) == ("Annabel", "GB", "Tea since 1999.")
    response = ann_client.post("/office/profile/", {**data, "first_name": ""})
    assert response.context["form"].errors == {"first_name": ["This field is required."]}


def test_restricted_member_sees_only_the_profile(alpha, ann_client, org):
    with schema_context(alpha.schema):
        Member.objects.filter(pk=org.ann.pk).update(access_restricted=True)
    for path in ("/office/", "/office/genealogy/", "/office/customers/", f"/office/members/{org.bob.number}/"):
        response = ann_client.get(path)
        assert response.status_code == 403, path
        assert response.templates[0].name == "office/restricted.html"
    response = ann_client.get("/office/profile/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/office/genealogy/"' not in html and 'href="/office/profile/"' in html


def test_office_needs_a_distributor(alpha, alpha_client, admin_client, org):
    assert alpha_client.get("/office/")["Location"].startswith("/accounts/login/")
    assert admin_client.get("/office/").status_code == 403
