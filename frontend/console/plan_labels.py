"""What the plan builder calls each component type and field, and the plain words for the engine's messages.

A field the engine gains later (see plans.engine.fields) is still shown: labelled from its key until a label is added
here. The engine's messages name a field's rules ("must be a volume of at least 0"); an admin who typed "fifty" needs
"Enter a number, like 50", so messages about the value itself are rewritten from the field's kind and what was typed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TYPES = {
    "unilevel": gettext_lazy("Unilevel"),
    "stairstep_breakaway": gettext_lazy("Stairstep with breakaway"),
    "binary": gettext_lazy("Binary"),
    "matrix": gettext_lazy("Matrix"),
    "p2p": gettext_lazy("Peer to peer"),
    "party": gettext_lazy("Party"),
    "retail_profit": gettext_lazy("Retail profit"),
    "fast_start": gettext_lazy("Fast start"),
    "rank_advancement": gettext_lazy("Rank advancement bonus"),
    "matching": gettext_lazy("Matching bonus"),
    "leadership_pool": gettext_lazy("Leadership pool"),
    "enrolment_bonus": gettext_lazy("Enrolment bonus"),
}

TYPE_HELP = {
    "unilevel": gettext_lazy("Pays a percentage of each order's CV to the sponsors above it, level by level."),
    "stairstep_breakaway": gettext_lazy("Each rank earns its percentage minus what was already paid below it."),
    "binary": gettext_lazy("Pays a percentage of the weaker leg's volume in the placement tree."),
    "matrix": gettext_lazy("A forced matrix of fixed width on the placement tree, paid level by level."),
    "p2p": gettext_lazy("A commission on each member's own sales, and overrides on their downline's."),
    "party": gettext_lazy("Pays the consultant on party orders and rewards the host by party sales."),
    "retail_profit": gettext_lazy("Retail price minus distributor price on each customer order."),
    "fast_start": gettext_lazy("Extra percentages on a new recruit's orders during their first days."),
    "rank_advancement": gettext_lazy("A one-time amount for reaching a rank."),
    "matching": gettext_lazy("A percentage of what personally sponsored members earned, by generation."),
    "leadership_pool": gettext_lazy("A share of the company's CV split among ranks by shares."),
    "enrolment_bonus": gettext_lazy("A flat bonus per personally enrolled member who qualifies early on."),
}

LABELS = {
    "name": gettext_lazy("Name"),
    "code": gettext_lazy("Code"),
    "min_pv": gettext_lazy("Personal volume (PV) at least"),
    "min_psv": gettext_lazy("Personal sales volume (PSV) at least"),
    "min_gv": gettext_lazy("Group volume (GV) at least"),
    "min_active_sponsored": gettext_lazy("Active personally sponsored at least"),
    "max_leg_share": gettext_lazy("Most GV from one leg (%)"),
    "legs": gettext_lazy("Legs with a rank"),
    "count": gettext_lazy("Legs"),
    "rank": gettext_lazy("Rank"),
    "require_active": gettext_lazy("Payee must be active"),
    "min_rank": gettext_lazy("Lowest rank paid"),
    "rates": gettext_lazy("Percentages by level"),
    "depth_by_rank": gettext_lazy("Levels paid, by rank"),
    "compression": gettext_lazy("Compression (skip members who can't be paid)"),
    "rank_rates": gettext_lazy("Percentage by rank"),
    "breakaway_rank": gettext_lazy("Breakaway rank"),
    "generation_rates": gettext_lazy("Percentages by generation after breakaway"),
    "rate": gettext_lazy("Percentage of the weaker leg"),
    "carryover_cap": gettext_lazy("Most volume carried over"),
    "pairing_cap": gettext_lazy("Most paid per member per period"),
    "width": gettext_lazy("Width (frontline places)"),
    "direct": gettext_lazy("On own sales (%)"),
    "overrides": gettext_lazy("Overrides by level (%)"),
    "consultant_rate": gettext_lazy("Consultant's percentage of party sales"),
    "host_tiers": gettext_lazy("Host rewards"),
    "min_sales": gettext_lazy("Party sales at least"),
    "reward": gettext_lazy("Reward (%)"),
    "bonus": gettext_lazy("Bonus"),
    "days": gettext_lazy("Days after joining"),
    "amounts": gettext_lazy("Amount for reaching each rank"),
    "pay_skipped_ranks": gettext_lazy("Pay for ranks skipped on the way"),
    "generations": gettext_lazy("Percentages by generation"),
    "on_components": gettext_lazy("Matches these components (codes)"),
    "percent": gettext_lazy("Share of the company's CV (%)"),
    "shares": gettext_lazy("Shares by rank"),
    "payout_cap_ratio": gettext_lazy("Most paid out, as a share of CV (0 to 1)"),
    "sponsored_per_leg": gettext_lazy("Active personally sponsored in each leg, at least"),
    "flush_inactive_after": gettext_lazy("Carry-over flushed after this many inactive periods"),
    "differential": gettext_lazy("Differential (a leader earns their rate minus what lower ranks took)"),
    "breakaway_leaves_gv": gettext_lazy("A broken-away leg leaves the upline's GV for ranks too"),
    "overrides_on_own_purchases": gettext_lazy("Overrides on the earner's own purchases"),
    "gv_periods": gettext_lazy("GV counted over this many periods"),
    "rank_grace_periods": gettext_lazy("Periods a paid-as rank is kept before it drops"),
    "amount": gettext_lazy("Amount"),
    "periods": gettext_lazy("Within this many first periods"),
}

KIND_HELP = {
    "percents": gettext_lazy("Comma-separated, level 1 first, e.g. 5, 5, 4"),
    "codes": gettext_lazy("Comma-separated component codes; empty: every earlier component"),
    "json": gettext_lazy("A JSON value"),
}


def label(key: str) -> str:
    return str(LABELS.get(key, key.replace("_", " ").capitalize()))


def type_label(kind: str) -> str:
    return str(TYPES.get(kind, kind.replace("_", " ").capitalize()))


_EXAMPLE = {"percent": "5", "money": "25.00", "volume": "50", "ratio": "0.45", "decimal": "50"}
_REF = re.compile(r"(ranks|components)\[(\d+)\]((?:\.[a-z_]+)*)")


def _number(raw: str) -> Decimal | None:
    try:
        number = Decimal(raw.strip())
    except (InvalidOperation, AttributeError):
        return None
    return number if number.is_finite() else None


def _about_value(kind: str, raw: str, message: str) -> str | None:
    """Plain words when the message is about the typed value of a number field."""
    if kind in _EXAMPLE and (message.startswith("must be a") or "decimal places" in message):
        number = _number(raw)
        if number is None:
            return _("Enter a number, like %(example)s") % {"example": _EXAMPLE[kind]}
        if "decimal places" in message:
            return _("Use at most two decimals, like %(example)s") % {"example": _EXAMPLE[kind]}
        if kind == "percent":
            return _("Enter a percentage from 0 to 100")
        if kind == "ratio":
            return _("Enter a share from 0 to 1, like 0.45")
        return _("Enter 0 or more")
    if kind == "int" and message.startswith("must be a whole number"):
        bounds = re.search(r"between (\d+) and (\d+)|at least (\d+)", message)
        if _number(raw) is None or not re.fullmatch(r"-?\d+", raw.strip()):
            return _("Enter a whole number, like 3")
        if bounds and bounds.group(1):
            return _("Enter a whole number from %(low)s to %(high)s") % {
                "low": bounds.group(1),
                "high": bounds.group(2),
            }
        return _("Enter %(low)s or more") % {"low": bounds.group(3) if bounds else 0}
    return None


def _refs(message: str) -> str:
    """``ranks[1].code`` -> “rank 2's code”, for messages that point at another field."""

    def one(match: re.Match) -> str:
        what = _("rank %(n)s") if match.group(1) == "ranks" else _("component %(n)s")
        text = what % {"n": int(match.group(2)) + 1}
        if match.group(3):
            text += f" ({label(match.group(3).rsplit('.', 1)[-1]).lower()})"
        return text

    return _REF.sub(one, message)


_MESSAGES = {
    "is required": gettext_lazy("Fill this in"),
    "unknown field": gettext_lazy("This setting is not known to the plan (edit it in the JSON view)"),
    "must be a non-empty string": gettext_lazy("Fill this in"),
    "must be true or false": gettext_lazy("Choose yes or no"),
    "must be a non-empty list of percentages": gettext_lazy("Enter at least one percentage, like 5, 4, 3"),
    "must be a list": gettext_lazy("Enter a comma-separated list"),
    "must be a non-empty list of components": gettext_lazy("Add at least one component"),
    "must be above 0 (omit it for no limit)": gettext_lazy("Enter more than 0, or leave it empty for no limit"),
    "must be a lower rank than the one being defined": gettext_lazy("Choose a lower rank than this one"),
    "must not be lower than a lower rank's percentage": gettext_lazy(
        "A higher rank can't have a lower percentage than a lower rank"
    ),
    "must give at least one rank a number of shares": gettext_lazy("Give at least one rank some shares"),
}


class EngineMessage(str):
    """An engine's validation message in the reader's language, with its English original (``english``), which is
    what ``plain`` recognises."""

    english: str

    def __new__(cls, text: str, english: str) -> EngineMessage:
        message = super().__new__(cls, text)
        message.english = english
        return message


def plain(message: str, kind: str = "text", raw: str = "") -> str:
    """The engine's message about a field, in plain words for the person who typed ``raw`` into a ``kind`` field;
    a message with no plainer words stays as the engine said it, in the reader's language."""
    said = str(message)
    message = getattr(message, "english", said)
    about = _about_value(kind, raw, message)
    if about is not None:
        return about
    if message in _MESSAGES:
        return str(_MESSAGES[message])
    if message.startswith("must be one of the plan's rank codes"):
        codes = message[message.find("(") + 1 : message.rfind(")")]
        return _("Choose one of the plan's ranks (%(codes)s)") % {"codes": codes}
    if message.startswith("duplicates "):
        return _("Another one already uses this code: %(where)s") % {"where": _refs(message.split(" ", 1)[1])}
    if message.startswith("must name a component listed before this one"):
        return _("Name components listed above this one (not a matching bonus)")
    return _refs(said)
