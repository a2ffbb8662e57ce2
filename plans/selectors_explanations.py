"""Commission lines explained: each computed or posted line's numbers (order, member, rate, levels) as data, and in
words (``plans.explanations.explanation_text``), a page at a time with a few queries, not one per line."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.commerce.public import Order
from core.members.models import Member
from plans.engine import Reason, Rule
from plans.explanations import explanation_text
from plans.models import CommissionRun, LedgerLine, RunLine


def _numbers(model, ids: set) -> dict[int | None, int]:
    """id -> number (orders', members') for the ids given, in one query."""
    return dict(model.objects.filter(pk__in={pk for pk in ids if pk}).values_list("pk", "number"))


def _line_explanation(
    *, component, rule, order_number, member_number, party_id, level_raw, level_compressed, rate, basis, amount
) -> dict[str, Any]:
    """A computed or posted line's explanation: the keys ``explanation_text`` reads, amounts as 2-decimal text."""
    return {
        "component": component,
        "rule": rule,
        "order_number": order_number,
        "member_number": member_number,
        "party_id": party_id,
        "level_raw": level_raw,
        "level_compressed": level_compressed,
        "rate_percent": None if rate is None else f"{rate:.2f}",
        "basis": f"{basis:.2f}",
        "amount": f"{amount:.2f}",
    }


def run_lines_explained(*, run: CommissionRun, lines: list[RunLine], currency: str | None = None) -> list[dict]:
    """A page of run lines with numbers and words (amounts in ``currency``); two queries for the page (orders,
    members), not one per line."""
    codes = run.summary.get("component_codes", [])
    ranks = run.summary.get("rank_codes", [])
    orders = _numbers(Order, {x.source_order_id for x in lines})
    numbers = _numbers(Member, {x.source_member_id for x in lines} | {x.payee_id for x in lines})
    out = []
    for x in lines:
        e: dict[str, Any] = {
            **_line_explanation(
                component=codes[x.component] if x.component < len(codes) else str(x.component),
                rule=Rule(x.rule).name.lower(),
                order_number=orders.get(x.source_order_id),
                member_number=numbers.get(x.source_member_id),
                party_id=x.source_party_id or None,
                level_raw=x.level_raw,
                level_compressed=x.level_compressed,
                rate=Decimal(x.rate_bp) / 100 if x.rate_bp >= 0 else None,
                basis=Decimal(x.basis_cents) / 100,
                amount=Decimal(x.amount_cents) / 100,
            ),
            "reason": Reason(x.reason).name.lower(),
        }
        out.append(
            {
                "line_no": x.line_no,
                "payee_number": numbers.get(x.payee_id),
                "amount": Decimal(e["amount"]),
                "paid": x.reason == 0,
                "explanation": e,
                "text": explanation_text(e, ranks, currency),
            }
        )
    return out


def ledger_explanations(lines: list[LedgerLine]) -> list[dict]:
    """Each ledger line's explanation: as stored (clawbacks, adjustments, lines posted before stop 26), or, for a
    commission line, read from its own columns with the same keys. Posting writes a run's lines with their numbers
    in columns only: building ten million JSON copies of those columns was half of posting a 1M-member period.
    Everything read is immutable (the line, the order's and member's numbers, the run's plan version); three
    queries for any number of lines."""
    missing = [line for line in lines if not line.explanation]
    orders = _numbers(Order, {x.source_order_id for x in missing})
    members = _numbers(Member, {x.source_member_id for x in missing})
    versions: dict[int | None, int | None] = dict(
        CommissionRun.objects.filter(pk__in={x.run_id for x in missing if x.run_id}).values_list(
            "pk", "plan_version__number"
        )
    )
    return [
        line.explanation
        or {
            **_line_explanation(
                component=line.component,
                rule=line.rule,
                order_number=orders.get(line.source_order_id),
                member_number=members.get(line.source_member_id),
                party_id=line.source_party_id,
                level_raw=line.level_raw,
                level_compressed=line.level_compressed,
                rate=line.rate,
                basis=line.basis,
                amount=line.amount,
            ),  # fmt: skip
            "plan_version": versions.get(line.run_id),
            "run": line.run_id,
        }
        for line in lines
    ]


def ledger_lines_explained(lines, names: dict[str, str] | None = None, currency: str | None = None) -> list[dict]:
    """Ledger lines with their explanation (``ledger_explanations``) and in words (rank names from each line's run;
    a few queries per page). With ``names`` (bonus_names()), each bonus is called what the company calls it rather
    than by its code."""
    lines = list(lines)
    runs = {line.run_id for line in lines if line.run_id}
    ranks = {pk: summary.get("rank_codes", []) for pk, summary in
             CommissionRun.objects.filter(pk__in=runs).values_list("pk", "summary")}  # fmt: skip
    out = []
    for line, explanation in zip(lines, ledger_explanations(lines), strict=True):
        e = explanation
        if names and e.get("component") in names:
            e = {**e, "component": names[e["component"]]}
        if "source_member" in line._state.fields_cache and line.source_member is not None:  # loaded: no extra query
            e = {**e, "member_name": line.source_member.full_name}
        text = explanation_text(e, ranks.get(line.run_id), currency)
        out.append({"line": line, "explanation": explanation, "text": text})
    return out
