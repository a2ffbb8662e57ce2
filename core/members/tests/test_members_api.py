"""The members API: enrolment, visibility limited to one's own downline, admin-only moves, isolation."""

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.members.models import Member
from tests.helpers import anonymous_client, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(root, enroll, alpha):
    """house ── a ── b ;  house ── e"""
    a = enroll(root, username="anna", first_name="Anna")
    b = enroll(a, username="bert", first_name="Bert")
    e = enroll(root, username="emma", first_name="Emma")
    admin = User.objects.get(email=alpha.admin_email)
    return {"root": root, "a": a, "b": b, "e": e, "admin": admin}


def test_distributor_reads_own_downline_but_not_outside_it(people, alpha):
    api = token_client(alpha, people["a"].user)
    assert api.get(f"/api/v1/members/{people['b'].number}/").status_code == 200
    denied = api.get(f"/api/v1/members/{people['e'].number}/")
    assert denied.status_code == 403
    assert denied.json()["detail"] == "That member is not in your downline."
    listing = api.get("/api/v1/members/").json()
    assert [m["username"] for m in listing["results"]] == ["bert"]
    assert api.get(f"/api/v1/members/{people['e'].number}/downline/").status_code == 403


def test_distributor_sees_upline_only_up_to_themself(people, alpha):
    api = token_client(alpha, people["a"].user)
    upline = api.get(f"/api/v1/members/{people['b'].number}/upline/").json()
    assert [m["username"] for m in upline] == ["anna"]
    staff_view = token_client(alpha, people["admin"]).get(f"/api/v1/members/{people['b'].number}/upline/").json()
    assert [m["username"] for m in staff_view] == ["anna", "house"]


def test_downline_page_and_summary(people, alpha):
    api = token_client(alpha, people["admin"])
    page = api.get(f"/api/v1/members/{people['root'].number}/downline/?levels=2").json()
    assert [(m["username"], m["level"]) for m in page["results"]] == [("anna", 1), ("emma", 1), ("bert", 2)]
    summary = api.get(f"/api/v1/members/{people['root'].number}/downline/summary/").json()
    assert summary["total"] == 3
    assert summary["levels"] == [{"level": 1, "members": 2}, {"level": 2, "members": 1}]
    assert {(leg["head"]["username"], leg["members"]) for leg in summary["legs"]} == {("anna", 2), ("emma", 1)}


def test_search_stays_inside_the_downline(people, alpha):
    api = token_client(alpha, people["a"].user)
    assert api.get("/api/v1/members/?q=Emma").json()["count"] == 0
    assert api.get("/api/v1/members/?q=Bert").json()["count"] == 1
    staff = token_client(alpha, people["admin"])
    assert staff.get("/api/v1/members/?q=Emma").json()["count"] == 1


def test_moves_are_for_admins_and_explain_bad_input(people, alpha):
    distributor = token_client(alpha, people["a"].user)
    body = {"new_sponsor": people["e"].number, "reason": "Correction"}
    assert distributor.post(f"/api/v1/members/{people['b'].number}/responsor/", body).status_code == 403
    admin = token_client(alpha, people["admin"])
    loop_body = {"new_sponsor": people["b"].number, "reason": "x"}
    loop = admin.post(f"/api/v1/members/{people['a'].number}/responsor/", loop_body)
    assert loop.status_code == 400 and "loop" in loop.json()["errors"]["new_parent"][0]
    moved = admin.post(f"/api/v1/members/{people['b'].number}/responsor/", body)
    assert moved.status_code == 201
    assert moved.json()["events"][0] | {} == {
        "member": people["b"].number,
        "tree": "sponsor",
        "from": people["a"].number,
        "to": people["e"].number,
        "from_position": None,
        "to_position": None,
    }
    undo = admin.post(f"/api/v1/moves/{moved.json()['id']}/undo/", {"reason": "Mistake"})
    assert undo.status_code == 201 and undo.json()["restored"] == [people["b"].number]
    history = admin.get(f"/api/v1/members/{people['b'].number}/history/").json()
    assert [m["kind"] for m in history["results"]] == ["undo", "responsor"]


def test_join_through_a_sponsors_link(people, alpha):
    visitor = anonymous_client(alpha)
    prefill = visitor.get("/api/v1/join/anna/")
    assert prefill.json() == {"number": people["a"].number, "username": "anna", "full_name": people["a"].full_name}
    joined = visitor.post(
        "/api/v1/join/anna/",
        {
            "username": "newbie",
            "email": "newbie@example.test",
            "first_name": "New",
            "last_name": "Bie",
            "password": "a-Long-pass-2026",
        },
    )
    assert joined.status_code == 201 and joined.json()["sponsor_number"] == people["a"].number
    bad = visitor.post(
        "/api/v1/join/anna/",
        {
            "username": "Bad Name!",
            "email": "x@example.test",
            "first_name": "X",
            "last_name": "Y",
            "password": "a-Long-pass-2026",
        },
    )
    assert bad.status_code == 400 and "username" in bad.json()["errors"]
    assert visitor.get("/api/v1/join/nobody/").status_code == 404


def test_joining_through_the_api_sends_the_welcome(people, alpha, django_capture_on_commit_callbacks):
    body = {"username": "wendy", "email": "wendy@example.test", "first_name": "Wendy", "last_name": "Lee",
            "password": "a-Long-pass-2026"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert anonymous_client(alpha).post("/api/v1/join/anna/", body).status_code == 201
    (sent,) = mail.outbox
    assert sent.to == ["wendy@example.test"]
    assert sent.body.startswith("Hello Wendy,")
    assert "your sponsor is Anna " in sent.body


def test_tax_id_is_encrypted_and_only_shown_masked(people, alpha):
    api = token_client(alpha, people["a"].user)
    body = {"tax_id": "987-65-4321", "bio": "Hi"}
    response = api.patch(f"/api/v1/members/{people['a'].number}/", body, format="json")
    assert response.status_code == 200
    assert response.json()["tax_id"] == "•••-••-4321" and "98765" not in response.content.decode()
    with schema_context(alpha.schema):
        stored = Member.objects.get(pk=people["a"].pk)
        assert b"4321" not in bytes(stored.tax_id_encrypted)
        from core.members.crypto import decrypt

        assert decrypt(stored.tax_id_encrypted) == "987654321"


def test_a_distributor_cannot_edit_someone_elses_profile(people, alpha):
    api = token_client(alpha, people["a"].user)
    assert api.patch(f"/api/v1/members/{people['b'].number}/", {"bio": "x"}, format="json").status_code == 403


def test_company_b_cannot_see_or_touch_company_a_members(people, alpha, beta):
    with schema_context(beta.schema):
        beta_admin = User.objects.get(email=beta.admin_email)
    api = token_client(beta, beta_admin)
    assert api.get("/api/v1/members/").json()["count"] == 0
    assert api.get(f"/api/v1/members/{people['a'].number}/").status_code == 404
    body = {"new_sponsor": people["e"].number, "reason": "x"}
    moved = api.post(f"/api/v1/members/{people['b'].number}/responsor/", body)
    assert moved.status_code == 404
    # alpha's token is not valid on beta's host either
    alpha_token_on_beta = token_client(alpha, people["admin"])
    alpha_token_on_beta.defaults["HTTP_HOST"] = beta.host
    assert alpha_token_on_beta.get("/api/v1/members/").status_code == 401
    with schema_context(alpha.schema):
        assert Member.objects.get(pk=people["b"].pk).sponsor_id == people["a"].pk


def test_customers_listing_is_per_distributor(people, alpha):
    api = token_client(alpha, people["a"].user)
    created = api.post("/api/v1/customers/", {"email": "c1@example.test", "first_name": "Cy", "last_name": "C"})
    assert created.status_code == 201 and created.json()["distributor_number"] == people["a"].number
    assert token_client(alpha, people["e"].user).get("/api/v1/customers/").json()["count"] == 0
    assert api.get("/api/v1/customers/").json()["count"] == 1
    transfer = token_client(alpha, people["admin"]).post(
        f"/api/v1/customers/{created.json()['number']}/transfer/", {"to": people["e"].number, "reason": "Asked"}
    )
    assert transfer.status_code == 200 and transfer.json()["distributor_number"] == people["e"].number
