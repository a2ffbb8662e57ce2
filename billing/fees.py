"""Fee arithmetic for one company and one month: pure functions on Decimal, no ORM, so every rule is testable on
hand-computed numbers.

Rules (the provider's contract with its companies):
- Money is rounded to cents with ROUND_HALF_UP, once per invoice line (never on intermediate products).
- Hosting fee and minimum monthly charge are prorated by days: a plan in force for `d` of the month's `D` days
  contributes `fee * d / D`. Days before a company's first plan took effect are not billed. Summed over the
  segments of the month, then rounded once per line.
- Per-member and per-transaction fees are priced by the plan in force on the month's last day: active members are a
  monthly count (a member who logged in on the 3rd and ordered on the 20th is one member), so they cannot be split
  between plans without double counting.
- Per-member tiers are graduated: members 1..t1 pay the base rate, members t1+1..t2 the first tier's rate, and so on
  (like tax brackets, so adding a member never lowers the bill).
- Minimum monthly charge: if hosting + usage fees are below the (prorated) minimum, a top-up line brings them to it.
  The setup fee is outside the minimum.
- Setup fee: charged in full in the month a company first goes onto a plan (the caller decides which segments carry
  it), never prorated.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal) -> int:
    """Cents for Stripe (every supported currency has two decimals)."""
    return int(money(amount) * 100)


@dataclass(frozen=True)
class Tier:
    above: int  # applies to members numbered above this threshold
    fee_per_member: Decimal


@dataclass(frozen=True)
class PlanTerms:
    code: str
    currency: str
    monthly_hosting_fee: Decimal = ZERO
    fee_per_active_member: Decimal = ZERO
    tiers: tuple[Tier, ...] = ()
    fee_per_transaction: Decimal = ZERO
    minimum_monthly_charge: Decimal = ZERO
    setup_fee: Decimal = ZERO


@dataclass(frozen=True)
class PlanSegment:
    """Days of the month on one plan. `charge_setup_fee` is True in the month the company first went on it."""

    terms: PlanTerms
    days: int
    charge_setup_fee: bool = False


@dataclass(frozen=True)
class FeeLine:
    kind: str  # hosting, members, transactions, minimum, setup-<plan code>; unique within a month
    description: str
    quantity: int
    amount: Decimal


def graduated_member_fee(*, members: int, base_rate: Decimal, tiers: tuple[Tier, ...] = ()) -> Decimal:
    """Unrounded fee for `members` active members under graduated tiers."""
    bands = sorted(tiers, key=lambda tier: tier.above)
    total = ZERO
    lower, rate = 0, base_rate
    for tier in bands:
        if members <= tier.above:
            break
        total += (tier.above - lower) * rate
        lower, rate = tier.above, tier.fee_per_member
    return total + max(members - lower, 0) * rate


def month_fees(
    *, segments: list[PlanSegment], days_in_month: int, active_members: int, transactions: int
) -> list[FeeLine]:
    """Invoice lines for a month. `segments` are in date order; the last one is the plan in force at month end."""
    if not segments:
        return []
    if sum(segment.days for segment in segments) > days_in_month:
        raise ValueError("Plan segments cover more days than the month has.")
    currencies = {segment.terms.currency for segment in segments}
    if len(currencies) > 1:
        raise ValueError(f"One month cannot mix currencies {sorted(currencies)}.")
    month_end = segments[-1].terms
    lines: list[FeeLine] = []

    hosting_days = sum(segment.days for segment in segments if segment.terms.monthly_hosting_fee)
    hosting = sum(
        (segment.terms.monthly_hosting_fee * segment.days / days_in_month for segment in segments), start=ZERO
    )
    if hosting:
        if len(segments) > 1:
            days = ", ".join(f"{segment.terms.code} {segment.days} days" for segment in segments)
            suffix = f" ({days} of {days_in_month})"
        elif hosting_days != days_in_month:
            suffix = f" ({hosting_days} of {days_in_month} days)"
        else:
            suffix = ""
        lines.append(FeeLine("hosting", f"Hosting{suffix}", 1, money(hosting)))

    members_fee = graduated_member_fee(
        members=active_members, base_rate=month_end.fee_per_active_member, tiers=month_end.tiers
    )
    if members_fee:
        lines.append(FeeLine("members", f"{active_members} active members", active_members, money(members_fee)))

    transactions_fee = transactions * month_end.fee_per_transaction
    if transactions_fee:
        lines.append(FeeLine("transactions", f"{transactions} transactions", transactions, money(transactions_fee)))

    minimum = money(
        sum((segment.terms.minimum_monthly_charge * segment.days / days_in_month for segment in segments), start=ZERO)
    )
    charged = sum((line.amount for line in lines), start=ZERO)
    if minimum > charged:
        lines.append(FeeLine("minimum", f"Minimum monthly charge {minimum}", 1, minimum - charged))

    for segment in segments:
        if segment.charge_setup_fee and segment.terms.setup_fee:
            lines.append(
                FeeLine(
                    f"setup-{segment.terms.code}",
                    f"Setup fee ({segment.terms.code})",
                    1,
                    money(segment.terms.setup_fee),
                )
            )
    return lines


def lines_total(lines: list[FeeLine]) -> Decimal:
    return sum((line.amount for line in lines), start=ZERO)
