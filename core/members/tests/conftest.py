import pytest
from django_tenants.utils import schema_context

from core.members.services.profiles import genealogy_settings_update
from tests.factories.members import MemberFactory


@pytest.fixture
def in_alpha(alpha):
    with schema_context(alpha.schema):
        yield alpha


@pytest.fixture
def enroll(in_alpha):
    """enroll(sponsor, **overrides) -> Member, named by MemberFactory; no password (these tests never sign in)."""

    def _enroll(sponsor, username=None, **kwargs):
        kwargs.setdefault("password", None)
        return MemberFactory(sponsor=sponsor, **({"username": username} if username else {}), **kwargs)

    return _enroll


@pytest.fixture
def root(enroll):
    return enroll(None, username="house")


@pytest.fixture
def placement_settings(in_alpha):
    def _set(**values):
        return genealogy_settings_update(changes=values)

    return _set


def assert_downline_counts_exact():
    """The counts kept on each row equal a recount from the paths, in both trees."""
    from django.db import connection

    from core.members.models import Member

    table = Member._meta.db_table
    for count, path in (("sponsor_downline_count", "sponsor_path"), ("placement_downline_count", "placement_path")):
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT m.number, m.{count}, coalesce(c.members, 0) FROM {table} m LEFT JOIN (
                    SELECT ancestor, count(*) AS members
                      FROM {table}, unnest({path}[1:cardinality({path}) - 1]) AS ancestor GROUP BY ancestor
                ) c ON c.ancestor = m.id
                """
            )
            wrong = [(n, kept, real) for n, kept, real in cursor.fetchall() if kept != real]
        assert wrong == [], f"{count} differs from the paths for (number, kept, real): {wrong[:10]}"
