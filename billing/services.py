"""Writes for provider billing: plan changes, usage records, month close, charging, webhooks and dunning.

Month close for one company, in order, each step safe to repeat:
1. freeze the month's UsageRecord (counted from the company's schema);
2. compute fee lines (billing.fees) and store Invoice + InvoiceLines — one Invoice per company and month;
3. push lines to Stripe as invoice items, create the Stripe invoice, charge it. Our ids are saved after each call and
   each call carries an idempotency key, so a retried job skips done steps and Stripe replays interrupted ones.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django_tenants.utils import get_public_schema_name, schema_context

from billing import fees, stripe_gateway, tasks
from billing.models import (
    ActiveMemberRule,
    BillingAccount,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PlanAssignment,
    PricePlan,
    StripeEvent,
    UsageRecord,
)
from billing.selectors import (
    days_in_month,
    dunning_settings,
    fee_segments,
    invoices_past_grace,
    month_after,
    month_start,
    plan_history,
    plan_in_force,
    plan_periods,
    usage_count,
)

# billing.tasks imports this module back: it is used as a module (tasks.close_month), never by name.
from core import formatting
from core.accounts.models import User
from tenants.models import Company, CompanyStatus
from tenants.selectors import company_list
from tenants.services import company_reactivate, company_suspend

logger = logging.getLogger(__name__)

# Test-only fault injection: a step named here raises SimulatedCrash once, right after the Stripe call it names,
# before our database records the result — what a worker killed at that moment leaves behind.
crash_after: set[str] = set()


class SimulatedCrash(BaseException):
    """Stands for the worker being killed (a BaseException, so no ``except Exception`` in billing swallows it)."""


def _checkpoint(step: str) -> None:
    if step in crash_after:
        crash_after.discard(step)
        raise SimulatedCrash(step)


# ------------------------------------------------------------------------------------------------------------------
# Plans
# ------------------------------------------------------------------------------------------------------------------
@transaction.atomic
def price_plan_assign(
    *,
    company: Company,
    plan: PricePlan,
    effective_from: datetime.date | None = None,
    actor: User | None = None,
    note: str = "",
    today: datetime.date | None = None,
) -> PlanAssignment:
    """Put a company on a plan. By default from the first day of next month; the provider may give an earlier day
    of a month not yet invoiced (fees are then prorated, see billing.fees). The history row is never edited."""
    today = today or timezone.localdate()
    effective_from = effective_from or month_after(today)
    if not plan.is_active:
        raise ValidationError(
            {"plan": [gettext("Plan '%(code)s' is retired; choose an active plan.") % {"code": plan.code}]}
        )
    if Invoice.objects.filter(company=company, month__gte=month_start(effective_from)).exists():
        raise ValidationError(
            {
                "effective_from": [
                    gettext("%(effective_from)s is already invoiced; choose a day in a later month.")
                    % {"effective_from": format(effective_from, "%Y-%m")}
                ]
            }
        )
    last_invoice = Invoice.objects.filter(company=company).order_by("-month").first()
    if last_invoice and last_invoice.currency != plan.currency:
        raise ValidationError(
            {
                "plan": [
                    gettext("The company is billed in %(currency)s; plan '%(code)s' is in %(currency2)s.")
                    % {"currency": last_invoice.currency, "code": plan.code, "currency2": plan.currency}
                ]
            }
        )
    current = plan_in_force(company=company, day=effective_from)
    if effective_from.day != 1 and current and current.currency != plan.currency:
        raise ValidationError(
            {"plan": [gettext("A plan in another currency can only start on the first day of a month.")]}
        )
    if not company.plan_assignments.exists() and company.price_plan_id:
        # Record the plan the company was onboarded with, so the history explains every past month.
        for implied in plan_history(company=company):
            implied.note = "Plan at onboarding"
            implied.save()
    assignment = PlanAssignment.objects.create(
        company=company, plan=plan, effective_from=effective_from, actor=actor, note=note
    )
    company_plan_sync(company=company, today=today)
    return assignment


def company_plan_sync(*, company: Company, today: datetime.date) -> Company:
    """Keep Company.price_plan (shown across the provider console) equal to the plan in force today."""
    plan = plan_in_force(company=company, day=today)
    if plan is not None and company.price_plan_id != plan.pk:
        company.price_plan = plan
        company.save(update_fields=["price_plan"])
    return company


# ------------------------------------------------------------------------------------------------------------------
# Usage
# ------------------------------------------------------------------------------------------------------------------
@transaction.atomic
def usage_record_refresh(*, company: Company, month: datetime.date, freeze: bool = False) -> UsageRecord:
    """Count (or recount) a month's usage; once frozen the record never changes again.

    Two refreshes at once (two closes of one month, a close and a page's refresh) meet on the row: it is inserted
    with ON CONFLICT DO NOTHING, then locked, so the second waits for the first instead of failing on the unique
    constraint. The lock is FOR NO KEY UPDATE, which the foreign-key checks of an invoice being created on this
    record (FOR KEY SHARE) do not wait for."""
    month = month_start(month)
    with schema_context(get_public_schema_name()):
        now = timezone.now()
        UsageRecord.objects.bulk_create(
            [UsageRecord(company=company, month=month, active_member_rule=ActiveMemberRule.LOGGED_IN, computed_at=now)],
            ignore_conflicts=True,
        )
        record = UsageRecord.objects.select_for_update(no_key=True).get(company=company, month=month)
        if record.frozen_at is not None:
            return record
        periods = plan_periods(company=company, month=month)
        plan = periods[-1].plan if periods else None
        rule = plan.active_member_rule if plan else ActiveMemberRule.LOGGED_IN
        counts = usage_count(company=company, month=month)
        values = {
            "plan": plan,
            "active_member_rule": rule,
            "active_members": counts.active_members(rule),
            "members_logged_in": counts.members_logged_in,
            "members_ordered": counts.members_ordered,
            "members_paid_subscription": counts.members_paid_subscription,
            "orders": counts.orders,
            "computed_at": now,
            "frozen_at": now if freeze else None,
        }
        for name, value in values.items():
            setattr(record, name, value)
        record.save()
        return record


# ------------------------------------------------------------------------------------------------------------------
# Month close
# ------------------------------------------------------------------------------------------------------------------
@dataclass
class MonthCloseReport:
    month: datetime.date
    invoiced: list[Invoice] = field(default_factory=list)
    without_plan: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def month_close_enqueue(*, month: datetime.date) -> str:
    """Close a finished month for every company in the background (what the beat job does on the 1st), once the
    caller's transaction commits. Returns the month queued (ISO)."""
    month = month_start(month)
    if month >= month_start(timezone.localdate()):
        raise ValidationError({"month": [gettext("%(month)s has not ended yet.") % {"month": format(month, "%Y-%m")}]})
    month_iso = month.isoformat()
    transaction.on_commit(lambda: tasks.close_month.delay(month_iso))
    return month_iso


def month_close(*, month: datetime.date, today: datetime.date | None = None) -> MonthCloseReport:
    """Close `month` for every company. One company's failure (e.g. Stripe down) never stops the others."""
    report = MonthCloseReport(month=month_start(month))
    for company in company_list():
        try:
            invoice = company_month_close(company=company, month=month, today=today)
        except Exception as error:  # noqa: BLE001 — recorded and retried by the next run; the rest still bill
            logger.exception("Closing %s for %s failed", f"{month:%Y-%m}", company.schema_name)
            report.failed[company.schema_name] = str(error)
            continue
        if invoice is None:
            report.without_plan.append(company.schema_name)
        else:
            report.invoiced.append(invoice)
    return report


def company_month_close(
    *, company: Company, month: datetime.date, today: datetime.date | None = None
) -> Invoice | None:
    """Freeze usage, invoice and charge one company for one finished month. Safe to run any number of times."""
    month = month_start(month)
    today = today or timezone.localdate()
    if month >= month_start(today):
        raise ValidationError(
            {
                "month": [
                    gettext("%(month)s has not ended yet; only finished months can be closed.")
                    % {"month": format(month, "%Y-%m")}
                ]
            }
        )
    company_plan_sync(company=company, today=today)
    usage = usage_record_refresh(company=company, month=month, freeze=True)
    invoice = _invoice_prepare(company=company, month=month, usage=usage)
    if invoice is None:
        return None
    return invoice_send(invoice=invoice, today=today)


@transaction.atomic
def _invoice_prepare(*, company: Company, month: datetime.date, usage: UsageRecord) -> Invoice | None:
    # Locks in one order, usage record then invoice, so two closes of one month queue here instead of the second
    # failing on the invoice's unique constraint.
    UsageRecord.objects.select_for_update(no_key=True).get(pk=usage.pk)
    existing = Invoice.objects.filter(company=company, month=month).first()
    if existing is not None:
        return existing
    periods = plan_periods(company=company, month=month)
    if not periods:
        return None
    lines = fees.month_fees(
        segments=fee_segments(periods),
        days_in_month=days_in_month(month),
        active_members=usage.active_members,
        transactions=usage.orders,
    )
    total = fees.lines_total(lines)
    plan = periods[-1].plan
    invoice = Invoice.objects.create(
        company=company,
        month=month,
        plan=plan,
        usage=usage,
        currency=plan.currency,
        total=total,
        status=InvoiceStatus.DRAFT if total else InvoiceStatus.PAID,
        paid_at=None if total else timezone.now(),
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice, kind=line.kind, description=line.description, quantity=line.quantity, amount=line.amount
        )
        for line in lines
    )
    return invoice


def billing_account_ensure(*, company: Company, currency: str) -> BillingAccount:
    """The company's Stripe customer and platform subscription, created once, under a lock on the account row (two
    closes at once wait for each other). A run killed right after creating the customer leaves an unused customer
    with a zero-amount subscription in Stripe (nothing is ever charged to it); it is not looked up again."""
    BillingAccount.objects.get_or_create(company=company)
    with transaction.atomic():
        account = BillingAccount.objects.select_for_update().get(company=company)
        if not account.stripe_customer_id:
            account.stripe_customer_id = stripe_gateway.customer_create(
                company_id=company.pk, name=company.name, email=company.billing_email
            )
            account.save(update_fields=["stripe_customer_id"])
        if not account.stripe_subscription_id:
            account.stripe_subscription_id = stripe_gateway.platform_subscription_create(
                company_id=company.pk, customer_id=account.stripe_customer_id, currency=currency
            )
            account.save(update_fields=["stripe_subscription_id"])
    return account


def billing_payment_method_set(*, company: Company, payment_method_id: str) -> BillingAccount:
    """Charge this company's invoices to a payment method collected by Stripe (card set up with Stripe.js)."""
    currency = company.price_plan.currency if company.price_plan is not None else "USD"
    account = billing_account_ensure(company=company, currency=currency)
    stripe_gateway.payment_method_set_default(
        customer_id=account.stripe_customer_id, payment_method_id=payment_method_id
    )
    return account


def invoice_send(*, invoice: Invoice, today: datetime.date) -> Invoice:
    """Put a prepared invoice into Stripe and make the first charge. Skips every step already done.

    Each Stripe call is followed by saving its id in its own short transaction (under a lock on the invoice row,
    so two workers never race): a run that dies half-way leaves what it did recorded, and the next run continues.
    A run killed between a Stripe call and saving its id leaves an object only Stripe knows: before creating
    anything, the step looks for it by our metadata (``canopy_invoice_id``, and the fee kind for items) and records
    it instead, so a retry bills once however late it comes (idempotency keys are still sent, but Stripe keeps them
    for 24 hours only).
    """
    invoice = Invoice.objects.select_related("company").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        return _invoice_charge_if_open(invoice=invoice, today=today)
    account = billing_account_ensure(company=invoice.company, currency=invoice.currency)
    for line_id in invoice.lines.filter(stripe_invoice_item_id="").values_list("id", flat=True):
        with transaction.atomic():
            Invoice.objects.select_for_update().get(pk=invoice.pk)
            line = InvoiceLine.objects.get(pk=line_id)
            if line.stripe_invoice_item_id:
                continue
            already = stripe_gateway.invoice_items_find(
                customer_id=account.stripe_customer_id, canopy_invoice_id=invoice.pk
            ).get(line.kind)
            line.stripe_invoice_item_id = already or stripe_gateway.invoice_item_create(
                customer_id=account.stripe_customer_id,
                amount_cents=fees.to_minor_units(line.amount),
                currency=invoice.currency,
                description=f"{invoice.month:%B %Y}: {line.description}",
                idempotency_key=f"canopy-invoice-{invoice.pk}-line-{line.kind}",
                metadata={"canopy_invoice_id": str(invoice.pk), "kind": line.kind},
            )
            _checkpoint("invoice_item_created")
            line.save(update_fields=["stripe_invoice_item_id"])
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("company").get(pk=invoice.pk)
        if invoice.status == InvoiceStatus.DRAFT:
            invoice.stripe_invoice_id = stripe_gateway.invoice_find(
                customer_id=account.stripe_customer_id,
                canopy_invoice_id=invoice.pk,
                invoice_item_ids=list(invoice.lines.values_list("stripe_invoice_item_id", flat=True)),
            ) or stripe_gateway.invoice_create(
                customer_id=account.stripe_customer_id,
                description=f"Canopy {invoice.month:%B %Y} ({invoice.number})",
                metadata={"canopy_invoice_id": str(invoice.pk), "month": f"{invoice.month:%Y-%m}"},
                idempotency_key=f"canopy-invoice-{invoice.pk}",
            )
            _checkpoint("invoice_created")
            invoice.status = InvoiceStatus.OPEN
            invoice.save(update_fields=["stripe_invoice_id", "status"])
    return _invoice_charge_if_open(invoice=invoice, today=today)


def _invoice_charge_if_open(*, invoice: Invoice, today: datetime.date) -> Invoice:
    """The first charge, unless it was made already (a failed one is left to dunning's schedule)."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("company").get(pk=invoice.pk)
        if invoice.status != InvoiceStatus.OPEN:
            return invoice
        return invoice_charge(invoice=invoice, today=today)


# ------------------------------------------------------------------------------------------------------------------
# Charging and dunning
# ------------------------------------------------------------------------------------------------------------------
@transaction.atomic
def invoice_charge(*, invoice: Invoice, today: datetime.date, actor: User | None = None) -> Invoice:
    """One charge attempt (first charge or a dunning retry)."""
    invoice = Invoice.objects.select_for_update().select_related("company").get(pk=invoice.pk)
    if invoice.status not in (InvoiceStatus.OPEN, InvoiceStatus.PAYMENT_FAILED):
        raise ValidationError(
            {
                "status": [
                    gettext("Invoice %(number)s is %(status)s.")
                    % {"number": invoice.number, "status": invoice.get_status_display().lower()}
                ]
            }
        )
    attempt = invoice.payment_attempts + 1
    result = stripe_gateway.invoice_pay(
        stripe_invoice_id=invoice.stripe_invoice_id, idempotency_key=f"canopy-invoice-{invoice.pk}-pay-{attempt}"
    )
    invoice.payment_attempts = attempt
    invoice.save(update_fields=["payment_attempts"])
    if result.paid:
        return _invoice_paid(invoice=invoice, actor=actor)
    return _invoice_failed(invoice=invoice, today=today, message=result.message)


def _invoice_paid(*, invoice: Invoice, actor: User | None = None) -> Invoice:
    had_failed = invoice.status == InvoiceStatus.PAYMENT_FAILED
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = timezone.now()
    invoice.next_retry_on = None
    invoice.save(update_fields=["status", "paid_at", "next_retry_on"])
    company = Company.objects.get(pk=invoice.company_id)
    if (
        invoice.suspended_company_at
        and company.status == CompanyStatus.SUSPENDED
        and not Invoice.objects.filter(company=company, suspended_company_at__isnull=False)
        .exclude(status=InvoiceStatus.PAID)
        .exists()
    ):
        company_reactivate(company=company, actor=actor, reason=f"Invoice {invoice.number} paid.")
    if had_failed:
        _mail(
            invoice,
            gettext("Payment received for %(number)s") % {"number": invoice.number},
            gettext("Thank you: invoice %(number)s is paid.") % {"number": invoice.number},
        )
    return invoice


def _invoice_failed(*, invoice: Invoice, today: datetime.date, message: str) -> Invoice:
    policy = dunning_settings()
    invoice.status = InvoiceStatus.PAYMENT_FAILED
    invoice.first_failed_on = invoice.first_failed_on or today
    invoice.last_failure_message = message[:500]
    failures = invoice.payment_attempts  # every attempt so far failed
    offsets = policy.retry_offsets
    invoice.next_retry_on = (
        invoice.first_failed_on + datetime.timedelta(days=offsets[failures - 1]) if failures <= len(offsets) else None
    )
    invoice.save(
        update_fields=["status", "first_failed_on", "last_failure_message", "next_retry_on", "payment_attempts"]
    )
    grace_end = invoice.first_failed_on + datetime.timedelta(days=policy.grace_period_days)
    retry = (
        gettext("We will try again on %(day)s.") % {"day": f"{invoice.next_retry_on:%Y-%m-%d}"}
        if invoice.next_retry_on
        else gettext("We will not retry automatically.")
    )
    _mail(
        invoice,
        gettext("Payment failed for Canopy invoice %(number)s") % {"number": invoice.number},
        gettext(
            "We could not charge %(amount)s for invoice %(number)s: %(reason)s\n"
            "%(retry)s Please update your payment method. If the invoice is still unpaid on %(grace_end)s, "
            "your company's site may be suspended until it is paid."
        )
        % {
            "amount": formatting.money(invoice.total, invoice.currency),
            "number": invoice.number,
            "reason": message,
            "retry": retry,
            "grace_end": f"{grace_end:%Y-%m-%d}",
        },
    )
    return invoice


def _mail(invoice: Invoice, subject: str, body: str) -> None:
    company = invoice.company
    if company.billing_email:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[company.billing_email])
    else:
        logger.warning("Company %s has no billing e-mail; not sent: %s", company.schema_name, subject)


@transaction.atomic
def invoice_suspend_company(*, invoice: Invoice, today: datetime.date, actor: User | None = None) -> Invoice:
    """Suspend the company of an invoice unpaid past the grace period; paying the invoice reactivates it."""
    invoice = Invoice.objects.select_for_update().select_related("company").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.PAYMENT_FAILED or invoice.first_failed_on is None:
        raise ValidationError({"invoice": [gettext("Invoice %(number)s is not overdue.") % {"number": invoice.number}]})
    grace_end = invoice.first_failed_on + datetime.timedelta(days=dunning_settings().grace_period_days)
    if today < grace_end:
        raise ValidationError(
            {
                "invoice": [
                    gettext("The grace period of invoice %(number)s ends on %(grace_end)s.")
                    % {"number": invoice.number, "grace_end": grace_end}
                ]
            }
        )
    company_suspend(
        company=invoice.company,
        actor=actor,
        reason=f"Invoice {invoice.number} ({invoice.total} {invoice.currency}) is unpaid. Paying it reopens the site.",
    )
    invoice.suspended_company_at = timezone.now()
    invoice.save(update_fields=["suspended_company_at"])
    _mail(
        invoice,
        gettext("%(company)s is suspended: invoice %(number)s unpaid")
        % {"company": invoice.company.name, "number": invoice.number},
        gettext(
            "Invoice %(number)s for %(amount)s is unpaid since %(day)s. The site is suspended; it reopens as soon "
            "as the invoice is paid."
        )
        % {
            "number": invoice.number,
            "amount": formatting.money(invoice.total, invoice.currency),
            "day": f"{invoice.first_failed_on:%Y-%m-%d}",
        },
    )
    return invoice


@dataclass
class DunningReport:
    retried: list[Invoice] = field(default_factory=list)
    suspended: list[Invoice] = field(default_factory=list)


def dunning_run(*, today: datetime.date | None = None) -> DunningReport:
    """Daily: retry failed charges that are due, then suspend past-grace companies if the provider enabled it."""
    today = today or timezone.localdate()
    report = DunningReport()
    due = Invoice.objects.filter(status=InvoiceStatus.PAYMENT_FAILED, next_retry_on__lte=today).order_by("id")
    for invoice in due:
        report.retried.append(invoice_charge(invoice=invoice, today=today))
    if dunning_settings().auto_suspend:
        for invoice in invoices_past_grace(today=today).filter(company__status=CompanyStatus.ACTIVE):
            report.suspended.append(invoice_suspend_company(invoice=invoice, today=today))
    return report


# ------------------------------------------------------------------------------------------------------------------
# Webhooks
# ------------------------------------------------------------------------------------------------------------------
PAID_EVENTS = {"invoice.paid", "invoice.payment_succeeded"}
FAILED_EVENTS = {"invoice.payment_failed"}


@transaction.atomic
def stripe_event_record(*, event: dict, today: datetime.date | None = None) -> StripeEvent:
    """Record a verified Stripe event once and apply it to our invoice (events for other objects are only logged)."""
    today = today or timezone.localdate()
    existing = StripeEvent.objects.filter(stripe_event_id=event["id"]).first()
    if existing is not None:
        return existing  # Stripe delivers at least once
    obj = (event.get("data") or {}).get("object") or {}
    invoice = None
    if event["type"].startswith("invoice.") and obj.get("id"):
        invoice = Invoice.objects.select_for_update().filter(stripe_invoice_id=obj["id"]).first()
    recorded = StripeEvent.objects.create(
        stripe_event_id=event["id"], type=event["type"], invoice=invoice, payload=event
    )
    if invoice is None:
        return recorded
    if event["type"] in PAID_EVENTS and invoice.status != InvoiceStatus.PAID:
        _invoice_paid(invoice=invoice)
    elif event["type"] in FAILED_EVENTS and invoice.status == InvoiceStatus.OPEN:
        # A failure Stripe saw on its own (we record our own charge attempts when we make them).
        invoice.payment_attempts += 1
        _invoice_failed(invoice=invoice, today=today, message="Stripe reported the payment as failed.")
    return recorded
