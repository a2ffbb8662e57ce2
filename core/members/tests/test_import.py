"""Import of members and customers from another system: all-or-nothing with a report of every bad cell."""

import io

import pytest

from core.accounts.models import User
from core.company.services import market_create
from core.members.importing import members as member_import
from core.members.importing.common import ImportRejected
from core.members.importing.customers import customers_import
from core.members.importing.export import customers_export_rows, members_export_rows
from core.members.importing.members import members_import
from core.members.models import Customer, Member
from core.members.tests.conftest import assert_downline_counts_exact

pytestmark = pytest.mark.django_db

HEADER = "member_number,username,first_name,last_name,email,sponsor_number,status,joined_on\n"


def csv_text(body: str, header: str = HEADER):
    return io.StringIO(header + body)


def test_members_import_keeps_numbers_and_builds_both_trees(in_alpha):
    report = members_import(
        text=csv_text(
            "5001,founder,Fran,F,fran@example.test,,active,2020-01-02\n"
            "5003,carl,Carl,C,carl@example.test,5002,active,2021-03-04\n"  # sponsor appears later in the file
            "5002,bea,Bea,B,bea@example.test,5001,inactive,2020-06-01\n"
        )
    )
    assert (report.rows, report.created) == (3, 3)
    carl = Member.objects.get(number=5003)
    bea = Member.objects.get(number=5002)
    founder = Member.objects.get(number=5001)
    assert carl.sponsor_id == bea.pk and carl.placement_parent_id == bea.pk
    assert carl.sponsor_path == [founder.pk, bea.pk, carl.pk] and carl.sponsor_depth == 2
    assert bea.status == "inactive" and str(carl.joined_at.date()) == "2021-03-04"
    assert User.objects.get(email="carl@example.test").member == carl
    assert not User.objects.get(email="carl@example.test").has_usable_password()
    assert_downline_counts_exact()


def test_import_reports_line_column_and_reason_and_writes_nothing(in_alpha):
    with pytest.raises(ImportRejected) as rejected:
        members_import(
            text=csv_text(
                "5001,founder,Fran,F,fran@example.test,,active,2020-01-02\n"
                "5002,Bad Name,Bea,B,bea@example.test,5001,active,2020-06-01\n"
                "5003,carl,Carl,C,not-an-email,5009,sleeping,03/04/2021\n"
                "5004,dora,Dora,D,fran@example.test,5001,active,\n"
            )
        )
    errors = {(e.line, e.column) for e in rejected.value.report.errors}
    assert errors == {
        (3, "username"),
        (4, "email"),
        (4, "sponsor_number"),
        (4, "status"),
        (4, "joined_on"),
        (5, "email"),
    }
    reasons = {(e.line, e.column): e.reason for e in rejected.value.report.errors}
    assert reasons[(4, "sponsor_number")] == "no member 5009 in the file or the company"
    assert reasons[(5, "email")] == "'fran@example.test' is also on line 2"
    assert Member.objects.count() == 0 and not User.objects.filter(email="fran@example.test").exists()


def test_sponsor_loops_are_refused(in_alpha):
    with pytest.raises(ImportRejected) as rejected:
        members_import(
            text=csv_text(
                "5001,founder,Fran,F,fran@example.test,,active,2020-01-02\n"
                "5002,bea,Bea,B,bea@example.test,5003,active,2020-06-01\n"
                "5003,carl,Carl,C,carl@example.test,5002,active,2020-06-01\n"
            )
        )
    assert any("loop" in e.reason for e in rejected.value.report.errors)
    assert Member.objects.count() == 0


def test_import_under_existing_members_and_clashes(root, enroll, in_alpha):
    with pytest.raises(ImportRejected) as rejected:
        members_import(text=csv_text(f"{root.number},house2,H,H,h@example.test,,active,\n"))
    columns = {e.column for e in rejected.value.report.errors}
    assert columns == {"member_number", "sponsor_number"}
    members_import(text=csv_text(f"6001,newleader,N,L,nl@example.test,{root.number},active,2022-01-01\n"))
    leader = Member.objects.get(number=6001)
    assert leader.sponsor_path == [root.pk, leader.pk]
    later = enroll(root)
    assert later.number > 6001  # the sequence continues above imported numbers
    assert_downline_counts_exact()


def test_export_is_importable_again(in_alpha):
    members_import(
        text=csv_text(
            "5001,founder,Fran,F,fran@example.test,,active,2020-01-02\n"
            "5002,bea,Bea,B,bea@example.test,5001,active,2020-06-01\n"
        )
    )
    rows = list(members_export_rows())
    assert rows[0][:2] == ["member_number", "username"]
    assert rows[2][:2] == ["5002", "bea"] and rows[2][7] == "5001" and rows[2][-2:] == ["2020-06-01", ""]  # no market


def test_customers_import_and_errors(root, in_alpha):
    header = "distributor_number,customer_type,first_name,last_name,email,joined_on\n"
    with pytest.raises(ImportRejected) as rejected:
        body = f"{root.number},vip,A,B,a@example.test,\n424242,retail,C,D,c@example.test,\n"
        customers_import(text=csv_text(body, header))
    errors = {(e.line, e.column) for e in rejected.value.report.errors}
    assert errors == {(2, "customer_type"), (3, "distributor_number")}
    assert Customer.objects.count() == 0
    report = customers_import(text=csv_text(f"{root.number},preferred,A,B,a@example.test,2023-02-01\n", header))
    assert report.created == 1
    customer = Customer.objects.get()
    assert (customer.distributor_id, customer.customer_type) == (root.pk, "preferred")
    assert list(customers_export_rows())[1][1:3] == [str(root.number), "preferred"]


def test_import_and_export_through_the_api(alpha, in_alpha):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.helpers import token_client

    admin = User.objects.get(email=alpha.admin_email)
    api = token_client(alpha, admin)
    bad = SimpleUploadedFile("m.csv", (HEADER + "5001,founder,Fran,F,not-mail,,active,\n").encode())
    rejected = api.post("/api/v1/members/import/", {"kind": "members", "file": bad}, format="multipart")
    assert rejected.status_code == 400
    reason = "'not-mail' is not an e-mail address"
    assert rejected.json()["errors"] == [{"line": 2, "column": "email", "reason": reason}]
    good = SimpleUploadedFile("m.csv", (HEADER + "5001,founder,Fran,F,fran@example.test,,active,\n").encode())
    created = api.post("/api/v1/members/import/", {"kind": "members", "file": good}, format="multipart")
    assert created.status_code == 201 and created.json() == {"rows": 1, "created": 1}
    exported = api.get("/api/v1/members/export/?kind=members")
    body = b"".join(exported.streaming_content).decode()
    assert body.splitlines()[1].startswith("5001,founder,Fran,F,fran@example.test")
    distributor = token_client(alpha, Member.objects.get(number=5001).user)
    assert distributor.get("/api/v1/members/export/").status_code == 403


def test_customers_keep_their_old_numbers_and_new_ones_continue_above(root, in_alpha):
    header = "customer_number,distributor_number,customer_type,first_name,last_name,email,joined_on\n"
    body = f"880001,{root.number},retail,A,B,a@example.test,\n,{root.number},retail,C,D,c@example.test,\n"
    customers_import(text=csv_text(body, header))
    numbers = sorted(Customer.objects.values_list("number", flat=True))
    assert numbers[0] == 880001 and numbers[1] > 880001
    with pytest.raises(ImportRejected) as rejected:
        customers_import(text=csv_text(f"880001,{root.number},retail,E,F,e@example.test,\n", header))
    assert [(e.line, e.column) for e in rejected.value.report.errors] == [(2, "customer_number")]


def test_text_with_backslashes_and_tabs_survives_the_copy(in_alpha, root):
    report = members_import(
        text=csv_text(f'7001,tabby,"Jo\\\\Ann","Le\tRoux",tabby@example.test,{root.number},active,\n')
    )
    assert report.created == 1
    tabby = Member.objects.get(number=7001)
    assert (tabby.first_name, tabby.last_name) == ("Jo\\\\Ann", "Le\tRoux")
    header = "distributor_number,customer_type,first_name,last_name,email,joined_on\n"
    customers_import(text=csv_text(f'{root.number},retail,"Back\\\\slash","Tab\tbed",t@example.test,\n', header))
    assert Customer.objects.values_list("first_name", "last_name").get() == ("Back\\\\slash", "Tab\tbed")


def test_a_big_import_rebuilds_every_secondary_index_as_it_was(in_alpha, root, monkeypatch):
    """Big files drop the secondary indexes and build them at the end; the catalog must look the same afterwards."""
    from django.db import connection

    from core.members.selectors import downline_search

    def index_definitions():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename IN ('members_member', 'accounts_user') ORDER BY indexname"
            )
            return cursor.fetchall()

    before = index_definitions()
    monkeypatch.setattr(member_import, "BULK_INDEX_THRESHOLD", 1)
    members_import(
        text=csv_text(
            f"8001,bulkone,Bulk,One,b1@example.test,{root.number},active,\n"
            f"8002,bulktwo,Bulk,Two,b2@example.test,8001,active,\n"
        )
    )
    assert index_definitions() == before
    assert len(before) >= 12
    assert [m.username for m in downline_search(top=root, query="bulk")] == ["bulkone", "bulktwo"]


def test_imports_put_people_in_the_market_named_or_of_their_country(root, in_alpha):
    """Issue 19: a ``market`` column names the market by code; an empty cell follows the country; an unknown code is
    a row error and nothing is written."""
    es = market_create(code="ES", name="España", countries=["ES"], currency="EUR")
    us = market_create(code="US", name="United States", countries=["US"], currency="USD")
    header = "member_number,username,first_name,last_name,email,sponsor_number,country,market\n"
    bad = (
        f"9001,ana,Ana,Ruiz,ana@example.es,{root.number},ES,\n"
        f"9002,boris,Boris,Li,boris@example.test,{root.number},US,FR\n"
    )
    with pytest.raises(ImportRejected) as caught:
        members_import(text=csv_text(bad, header))
    assert [(e.line, e.column, e.reason) for e in caught.value.report.errors] == [
        (3, "market", "no active market has the code 'FR'")
    ]
    members_import(text=csv_text(bad.replace(",US,FR", ",DE,us"), header))
    assert {m.username: m.market for m in Member.objects.filter(number__in=[9001, 9002])} == {"ana": es, "boris": us}
    customer_header = "distributor_number,first_name,last_name,email,country,market\n"
    customers_import(
        text=csv_text(
            f"{root.number},Eva,Gil,eva@example.es,ES,\n{root.number},Max,Roe,max@example.de,DE,\n", customer_header
        )
    )
    assert {c.first_name: c.market for c in Customer.objects.all()} == {"Eva": es, "Max": None}
    exported = list(members_export_rows())
    assert exported[0][-1] == "market"
    assert [row[-1] for row in exported if row[1] in ("ana", "boris")] == ["ES", "US"]
