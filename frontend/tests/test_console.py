"""The company admin console, through the Django test client."""

import csv
import io

import pytest
from django_tenants.utils import schema_context

from core.communications.models import Announcement, CompanyPage, TrainingMaterial
from core.company.services import company_settings_get
from core.members.models import GenealogySettings, Member, TreeMove
from frontend.tests.conftest import signed_in
from tests.factories.members import CompanyStaffFactory

pytestmark = pytest.mark.django_db


def test_member_search_and_pages(admin_client, org):
    response = admin_client.get("/console/members/?q=bob")
    assert [m.username for m in response.context["page_obj"]] == ["bob"]
    response = admin_client.get(f"/console/members/?q={org.cat.number}")
    assert [m.username for m in response.context["page_obj"]] == ["cat"]
    response = admin_client.get(f"/console/members/{org.bob.number}/")
    assert response.context["sponsor"].pk == org.ann.pk
    assert response.context["downline_total"] == 1


def test_re_sponsor_with_reason_then_history_and_undo(alpha, admin_client, org):
    url = f"/console/members/{org.bob.number}/responsor/"
    response = admin_client.post(url, {"responsor-new_sponsor": org.dan.number, "responsor-reason": ""})
    assert response.status_code == 400
    assert response.context["responsor_form"].errors == {"reason": ["This field is required."]}
    response = admin_client.post(url, {"responsor-new_sponsor": 424242, "responsor-reason": "Asked"})
    assert response.context["responsor_form"].errors == {"new_sponsor": ["No member has the number 424242."]}
    response = admin_client.post(url, {"responsor-new_sponsor": org.dan.number, "responsor-reason": "Asked by Dan"})
    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert Member.objects.get(pk=org.bob.pk).sponsor_id == org.dan.pk
        move = TreeMove.objects.get(subject=org.bob)
    page = admin_client.get(f"/console/members/{org.bob.number}/")
    assert [m.pk for m in page.context["moves"]] == [move.pk]
    html = page.content.decode()
    assert "Re-sponsor" in html and "Asked by Dan" in html
    assert f"#{org.bob.number} sponsor: #{org.ann.number} → #{org.dan.number}" in html
    # Cat moved with Bob as part of his leg: the move is recorded on Bob only.
    assert [m.pk for m in admin_client.get(f"/console/members/{org.cat.number}/").context["moves"]] == []
    response = admin_client.post(f"/console/members/{org.bob.number}/moves/{move.pk}/undo/", {"undo-reason": ""})
    assert response.status_code == 400
    assert response.context["undo_form"].errors == {"reason": ["This field is required."]}
    response = admin_client.post(f"/console/members/{org.bob.number}/moves/{move.pk}/undo/", {"undo-reason": "Oops"})
    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert Member.objects.get(pk=org.bob.pk).sponsor_id == org.ann.pk
    html = admin_client.get(f"/console/members/{org.bob.number}/").content.decode()
    assert f"Move #{move.pk} undone: restored #{org.bob.number}." in html
    assert "Undone by #" in html


def test_frontline_up_and_status(alpha, admin_client, org):
    response = admin_client.post(f"/console/members/{org.ann.number}/frontline/", {"frontline-reason": "Ann left"})
    assert response.status_code == 302
    response = admin_client.post(f"/console/members/{org.ann.number}/status/", {"status-status": "terminated"})
    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert Member.objects.get(pk=org.bob.pk).sponsor_id == org.root.pk
        ann = Member.objects.select_related("user").get(pk=org.ann.pk)
        assert (ann.status, ann.user.is_active) == ("terminated", False)
    admin_client.post(f"/console/members/{org.ann.number}/status/", {"status-status": "active"})
    with schema_context(alpha.schema):
        assert Member.objects.get(pk=org.ann.pk).status == "active"


def test_re_place_is_refused_for_a_unilevel_company_next_to_the_field(admin_client, org):
    response = admin_client.post(
        f"/console/members/{org.bob.number}/replace/",
        {"replace-new_parent": org.dan.number, "replace-position": "", "replace-reason": "Try"},
    )
    assert response.status_code == 400
    assert response.context["replace_form"].errors == {
        "new_parent": ["This company places members in the enrolment tree: re-sponsor the member instead."]
    }


def test_member_edit(alpha, admin_client, org):
    response = admin_client.post(
        f"/console/members/{org.cat.number}/edit/",
        {"first_name": "Catherine", "last_name": "Tester", "country": "FR", "binary_preferred_side": "1"},
    )
    assert response.status_code == 302
    with schema_context(alpha.schema):
        cat = Member.objects.get(pk=org.cat.pk)
    assert (cat.first_name, cat.country, cat.binary_preferred_side) == ("Catherine", "FR", 1)


def test_genealogy_settings_errors_next_to_the_field(alpha, admin_client):
    data = {"placement_method": "matrix", "binary_spillover": "weaker_leg", "matrix_width": 40, "holding_tank_days": 90}
    response = admin_client.post("/console/genealogy/", data)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "matrix_width": ["A matrix is 2 to 20 wide."],
        "holding_tank_days": ["A sponsor can be given at most 60 days to place a new member."],
    }
    html = response.content.decode()
    assert 'id="id_matrix_width_error"' in html
    response = admin_client.post("/console/genealogy/", {**data, "matrix_width": 4, "holding_tank_days": 7})
    assert response.status_code == 302
    with schema_context(alpha.schema):
        row = GenealogySettings.objects.get()
    assert (row.placement_method, row.matrix_width, row.holding_tank_days) == ("matrix", 4, 7)


def test_branding(alpha, admin_client):
    bad = admin_client.post("/console/branding/", {"display_name": "Alpha", "primary_color": "red;}"})
    assert bad.context["form"].errors == {"primary_color": ["Use a colour like #2f6f4e."]}
    response = admin_client.post(
        "/console/branding/",
        {"display_name": "Alpha Teas", "primary_color": "#123456", "replicated_subdomains_enabled": "on"},
    )
    assert response.status_code == 302
    with schema_context(alpha.schema):
        row = company_settings_get()
    assert (row.display_name, row.primary_color, row.replicated_subdomains_enabled) == ("Alpha Teas", "#123456", True)


def test_pages_announcements_and_training_are_edited_in_the_console(alpha, admin_client):
    response = admin_client.post("/console/pages/terms/", {"title": "Terms", "body": "", "published": "on"})
    assert response.context["form"].errors == {"body": ["A published page needs some text."]}
    admin_client.post("/console/pages/terms/", {"title": "Terms", "body": "Be nice.", "published": "on"})
    assert admin_client.get("/console/pages/careers/").status_code == 404
    admin_client.post(
        "/console/announcements/new/",
        {"title": "Hello", "body": "World", "audience": "distributors", "published_at": "2025-01-02T10:00"},
    )
    admin_client.post("/console/training/new/", {"title": "Start", "category": "Basics", "order": 1, "body": "Go"})
    with schema_context(alpha.schema):
        page = CompanyPage.objects.get()
        announcement = Announcement.objects.get()
        material = TrainingMaterial.objects.get()
    assert (page.slug, page.body, page.published) == ("terms", "Be nice.", True)
    assert (announcement.title, announcement.published_at.isoformat()) == ("Hello", "2025-01-02T10:00:00+00:00")
    assert (material.title, material.category, material.published) == ("Start", "Basics", False)
    admin_client.post(
        f"/console/announcements/{announcement.pk}/",
        {"title": "Hello", "body": "World", "audience": "distributors", "published_at": ""},
    )
    with schema_context(alpha.schema):
        assert Announcement.objects.get().published_at is None


def test_members_csv_export(admin_client, org):
    response = admin_client.get("/console/members/export.csv")
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:2] == ["member_number", "username"]
    assert [row[1] for row in rows[1:]] == ["house", "ann", "dan", "bob", "cat"]


def test_staff_read_the_console_but_only_admins_change_it(alpha, alpha_client, org):
    with schema_context(alpha.schema):
        CompanyStaffFactory(email="clerk@example.test")
    clerk = signed_in(alpha, "clerk@example.test")
    assert clerk.get(f"/console/members/{org.bob.number}/").status_code == 200
    response = clerk.post(f"/console/members/{org.bob.number}/status/", {"status-status": "terminated"})
    assert response.status_code == 403
    ann = signed_in(alpha, "ann@example.test")
    assert ann.get("/console/members/").status_code == 403
    assert alpha_client.get("/console/")["Location"].startswith("/accounts/login/")
