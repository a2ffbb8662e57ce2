"""The monthly beat job and the provider console pages for billing."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from billing.models import Invoice, InvoiceStatus
from billing.services import billing_payment_method_set, month_close_enqueue
from billing.tasks import close_month, run_dunning
from billing.tests.factories import (
    GOOD_CARD,
    assign,
    at,
    card_payment_method,
    company,
    distributors_logged_in,
    plan_create,
)
from config.celery import app
from core.accounts.models import Role, User
from tests.helpers import two_factor_activate

pytestmark = pytest.mark.django_db


def test_beat_closes_the_previous_month_on_the_first_and_runs_dunning_daily():
    close = settings.CELERY_BEAT_SCHEDULE["billing-monthly-close"]
    assert close["task"] == "billing.tasks.close_month"
    assert (close["schedule"].day_of_month, close["schedule"].hour, close["schedule"].minute) == ({1}, {2}, {0})
    assert settings.CELERY_BEAT_SCHEDULE["billing-dunning"]["task"] == "billing.tasks.run_dunning"


@pytest.fixture
def eager_celery():
    """Tasks sent with .delay() run here, in this test's transaction (a worker could not see its data)."""
    app.conf.update(task_always_eager=True)
    yield
    app.conf.update(task_always_eager=settings.CELERY_TASK_ALWAYS_EAGER)


def test_close_month_task_fans_out_per_company_and_is_safe_to_repeat(alpha, beta, stripe_emulator, eager_celery):
    plan = plan_create(code="flat", monthly_hosting_fee="99.00", fee_per_active_member="1.00")
    for schema in ("alpha", "beta"):
        assign(schema, plan, datetime.date(2026, 9, 1))
        billing_payment_method_set(company=company(schema), payment_method_id=card_payment_method(GOOD_CARD))
    distributors_logged_in("beta", at(2026, 10, 2), at(2026, 10, 3))

    for _ in range(2):
        close_month.apply(args=["2026-10-01"]).get()
    invoices = Invoice.objects.filter(month=datetime.date(2026, 10, 1)).order_by("company__schema_name")
    assert [(i.company.schema_name, str(i.total), i.status) for i in invoices] == [
        ("alpha", "99.00", InvoiceStatus.PAID),
        ("beta", "101.00", InvoiceStatus.PAID),
    ]
    assert run_dunning.apply(args=["2026-11-02"]).get() == {"retried": [], "suspended": []}


def test_closing_a_month_by_hand_queues_the_task_on_commit_and_refuses_an_unfinished_month(
    alpha, stripe_emulator, eager_celery, django_capture_on_commit_callbacks
):
    plan = plan_create(code="flat", monthly_hosting_fee="99.00", fee_per_active_member="1.00")
    assign("alpha", plan, datetime.date(2026, 9, 1))
    billing_payment_method_set(company=company("alpha"), payment_method_id=card_payment_method(GOOD_CARD))
    with pytest.raises(ValidationError) as refused:
        month_close_enqueue(month=timezone.localdate())
    assert refused.value.message_dict == {"month": [f"{timezone.localdate():%Y-%m} has not ended yet."]}

    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert month_close_enqueue(month=datetime.date(2026, 10, 17)) == "2026-10-01"
        assert not Invoice.objects.exists()  # nothing runs before the caller's transaction commits
    assert len(queued) == 1
    queued[0]()
    assert [(i.company.schema_name, i.month, str(i.total)) for i in Invoice.objects.all()] == [
        ("alpha", datetime.date(2026, 10, 1), "99.00")
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/billing/priceplan/",
        "/admin/billing/priceplan/add/",
        "/admin/billing/planassignment/",
        "/admin/billing/usagerecord/",
        "/admin/billing/invoice/",
        "/admin/billing/billingaccount/",
        "/admin/billing/stripeevent/",
        "/admin/billing/dunningsettings/",
    ],
)
def test_provider_console_shows_billing(provider_client, path):
    with schema_context(get_public_schema_name()):
        root = User.objects.create_superuser(
            email="root@provider.test", password="x-pass-123", role=Role.PROVIDER_STAFF
        )
        two_factor_activate(root)  # provider staff must use two-factor sign-in
    provider_client.force_login(root)
    assert provider_client.get(path).status_code == 200
