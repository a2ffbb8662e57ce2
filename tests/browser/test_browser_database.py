"""pytest-django creates the test database only when a collected test is marked ``django_db``; the browser tests
drive a separate server process and carry no such mark. This test makes ``make test ARGS=tests/browser`` work on its
own, and checks what every browser test relies on: the session's companies exist in the test database."""

import pytest

from tenants.models import Company


@pytest.mark.django_db
def test_the_session_companies_exist_for_the_live_server():
    assert set(Company.objects.filter(schema_name__in=["alpha", "beta"]).values_list("schema_name", flat=True)) == {
        "alpha",
        "beta",
    }
