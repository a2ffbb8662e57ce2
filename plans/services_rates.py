"""Writes of exchange rates (issue 19, docs/currencies.md): a rate entered by an admin or imported from a CSV file
(``currency,rate``), recorded with a run that is not posted yet; posting refuses a run whose payees need a
currency without a rate. No outside service is asked for a rate.

Every write holds the run's row lock (``select_for_update``), as posting does, so a rate can never change while,
or after, the run is posted."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ConflictError
from core.accounts.models import User
from core.company.models import Market
from plans.audit import audit_record
from plans.currencies import currency_check, rate_check
from plans.models import CommissionRun, MoneyAction, RateSource, RunExchangeRate, RunKind, RunStatus
from plans.selectors_rates import base_currency, run_rates_missing

MAX_FILE_ROWS = 500  # a rates file names each currency once: ISO 4217 has fewer than 200
EDITABLE = (RunStatus.DONE, RunStatus.APPROVED)


def _run_for_rates(run: CommissionRun) -> CommissionRun:
    """The run, locked, if its rates may still change: a finished or approved preview of a period."""
    run = CommissionRun.objects.select_for_update().get(pk=run.pk)
    if run.status == RunStatus.POSTED:
        raise ConflictError(
            {"run": [_("Run %(run)d is posted: its exchange rates are fixed. A correction is a new rate on a run "
                       "not yet posted (a later period's).") % {"run": run.pk}]}
        )  # fmt: skip
    if run.period_id is None or run.kind != RunKind.PREVIEW or run.status not in EDITABLE:
        raise ValidationError(
            {"run": [_("Exchange rates are recorded with a finished preview of a period (run %(run)d is %(status)s).")
                     % {"run": run.pk, "status": run.get_status_display()}]}
        )  # fmt: skip
    return run


def _currency(value, base: str) -> str:
    code = currency_check(value, base=base)
    if not Market.objects.filter(currency=code).exists():
        raise ValueError(_("No market of the company is paid in %(code)s.") % {"code": code})
    return code


def _record(run: CommissionRun, code: str, rate: Decimal, by: User | None, source: str) -> RunExchangeRate:
    before = RunExchangeRate.objects.filter(run=run, currency=code).first()
    now = timezone.now()
    if before is None:
        row = RunExchangeRate.objects.create(
            run=run, currency=code, rate=rate, source=source, entered_by=by, entered_at=now
        )
    else:
        RunExchangeRate.objects.filter(pk=before.pk).update(rate=rate, source=source, entered_by=by, entered_at=now)
        row = RunExchangeRate.objects.get(pk=before.pk)
    base = base_currency()
    audit_record(
        action=MoneyAction.RATE_SET, by=by, period=run.period, run=run, currency=code,
        note=f"1 {base} = {row.rate.normalize():f} {code}",
        detail={"currency": code, "rate": str(row.rate), "source": source,
                "previous": str(before.rate) if before is not None else None},
    )  # fmt: skip
    return row


@transaction.atomic
def run_rate_set(
    *, run: CommissionRun, currency: str, rate, by: User | None, source: str = RateSource.ENTERED
) -> RunExchangeRate:
    """Record (or replace) the rate ``run`` pays ``currency`` at: 1 unit of the base currency = ``rate`` units.
    Refused (409) once the run is posted; a bad currency or rate names its field."""
    run = _run_for_rates(run)
    errors = {}
    code = ""
    try:
        code = _currency(currency, base_currency())
    except ValueError as exc:
        errors["currency"] = [str(exc)]
    try:
        value = rate_check(rate)
    except ValueError as exc:
        errors["rate"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return _record(run, code, value, by, source)


def rates_file_parse(*, content: bytes | str) -> list[tuple[int, str, str]]:
    """(row number, currency, rate) of each non-empty row of a ``currency,rate`` file (a first row ``currency,rate``
    is a heading and skipped); ValidationError on ``file`` naming the row when one is not two values."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError({"file": [_("The file is not UTF-8 text.")]}) from None
    try:
        table = list(csv.reader(io.StringIO(content)))
    except csv.Error as exc:  # a NUL byte, an unclosed quote at the end
        raise ValidationError({"file": [_("The file is not a CSV file: %(reason)s.") % {"reason": exc}]}) from None
    rows: list[tuple[int, str, str]] = []
    errors: list[str] = []
    for number, cells in enumerate(table, start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells[:2]] == ["currency", "rate"]:
            continue
        if len(cells) != 2:
            errors.append(_("Row %(row)d: two values are needed, a currency and a rate (such as EUR,0.9137).")
                          % {"row": number})  # fmt: skip
            continue
        rows.append((number, cells[0], cells[1]))
        if len(rows) > MAX_FILE_ROWS:
            raise ValidationError({"file": [_("The file has more than %(max)d rows.") % {"max": MAX_FILE_ROWS}]})
    if errors:
        raise ValidationError({"file": errors})
    if not rows:
        raise ValidationError({"file": [_("The file has no rates: one row per currency, such as EUR,0.9137.")]})
    return rows


@transaction.atomic
def run_rates_import(*, run: CommissionRun, content: bytes | str, by: User | None) -> list[RunExchangeRate]:
    """Every rate of a ``currency,rate`` file, all or none: each bad row is named (``Row 3: …``) and nothing is
    recorded until every row is right."""
    run = _run_for_rates(run)
    base = base_currency()
    parsed: list[tuple[str, Decimal]] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, currency, rate in rates_file_parse(content=content):
        try:
            code = _currency(currency, base)
            value = rate_check(rate)
        except ValueError as exc:
            errors.append(_("Row %(row)d: %(reason)s") % {"row": number, "reason": exc})
            continue
        if code in seen:
            errors.append(_("Row %(row)d: %(code)s is already given in row %(first)d.")
                          % {"row": number, "code": code, "first": seen[code]})  # fmt: skip
            continue
        seen[code] = number
        parsed.append((code, value))
    if errors:
        raise ValidationError({"file": errors})
    return [_record(run, code, value, by, RateSource.FILE) for code, value in parsed]


def run_rates_carry(*, run: CommissionRun) -> int:
    """A new preview of a period starts with the rates recorded with the period's previous unposted run (the one it
    replaces), kept as they were entered. Call inside the transaction that creates ``run``."""
    earlier = (
        CommissionRun.objects.filter(period_id=run.period_id, kind=RunKind.PREVIEW, exchange_rates__isnull=False)
        .exclude(pk=run.pk)
        .order_by("-id")
        .first()
    )
    if earlier is None:
        return 0
    rows = [
        RunExchangeRate(run=run, currency=r.currency, rate=r.rate, source=r.source, entered_by_id=r.entered_by_id,
                        entered_at=r.entered_at)
        for r in RunExchangeRate.objects.filter(run=earlier)
    ]  # fmt: skip
    RunExchangeRate.objects.bulk_create(rows)
    return len(rows)


def run_rates_required(*, run: CommissionRun) -> None:
    """Posting's check: every currency the run's payees are paid in has a rate, else 409 naming the currencies."""
    missing = run_rates_missing(run=run)
    if missing:
        words = _(
            "Run %(run)d cannot be posted: no exchange rate is recorded for %(codes)s. Enter the rate on the "
            "run's page, then post."
        ) % {"run": run.pk, "codes": ", ".join(missing)}
        raise ConflictError({"exchange_rates": [words]})  # fmt: skip
