"""The validated plan: frozen dataclasses in integer units (basis points, cents, hundredths of a point), made from a
plan document by ``plans.engine.document.plan_from_document`` and read by the calculation. Nothing here validates:
a ``Plan`` is valid because the reader built it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LegRequirement:
    count: int  # at least this many distinct frontline legs...
    rank: int  # ...each holding someone (anywhere in the leg) at this rank index or higher


@dataclass(frozen=True)
class Rank:
    code: str
    name: str
    min_pv: int = 0
    min_psv: int = 0
    min_gv: int = 0
    min_active_sponsored: int = 0
    legs: tuple[LegRequirement, ...] = ()
    max_leg_share_bp: int | None = None  # at most this share of min_gv counts from any one leg
    gv_periods: int = 1  # min_gv (and max_leg_share) on GV accumulated over this period and the previous ones


@dataclass(frozen=True)
class ActiveRule:
    min_pv: int = 0
    min_psv: int = 0


@dataclass(frozen=True)
class Entry:
    """A one-off entry requirement: until it is met (in this period or before) a member earns nothing."""

    requirement: str = "none"  # one of ENTRY_REQUIREMENTS
    min_pv: int = 0  # initial_purchase: one own order of at least this PV


@dataclass(frozen=True)
class Component:
    """Fields shared by every component; `type`-specific settings live in the subclasses."""

    code: str
    type: str
    require_active: bool
    min_rank: int  # -1: no rank needed


@dataclass(frozen=True)
class Unilevel(Component):
    rates_bp: tuple[int, ...]
    depth_by_rank: tuple[tuple[int, int], ...]  # (rank index, levels), ascending by rank; empty = all levels for all
    compression: bool
    differential: bool = False  # a payee earns their rate minus the highest rate already reached below them


@dataclass(frozen=True)
class StairstepBreakaway(Component):
    rank_rates_bp: tuple[int, ...]  # per rank index; an unlisted rank has the highest listed rank's at or below it
    breakaway_rank: int
    generation_rates_bp: tuple[int, ...]
    compression: bool
    breakaway_leaves_gv: bool = False  # classic breakaway: a broken-away leg's volume leaves the upline's GV for ranks


@dataclass(frozen=True)
class Binary(Component):
    rate_bp: int
    carryover_cap: int | None  # volume (hundredths); None = unlimited
    pairing_cap_cents: int | None  # per member per period; None = none
    sponsored_per_leg: int = 0  # the payee needs this many active personally sponsored members in each leg
    flush_inactive_after: int | None = None  # flush the carry-over when inactive this and this many previous periods


@dataclass(frozen=True)
class Matrix(Component):
    width: int
    rates_bp: tuple[int, ...]  # one per level; depth = len(rates_bp)
    compression: bool


@dataclass(frozen=True)
class P2PRow:
    rank: int  # -1: applies to members below every listed rank too
    direct_bp: int
    overrides_bp: tuple[int, ...]


@dataclass(frozen=True)
class P2P(Component):
    rows: tuple[P2PRow, ...]  # ascending by rank
    compression: bool
    differential: bool = False  # overrides: the rate minus the highest override rate already reached below
    overrides_on_own_purchases: bool = True  # False: an upline who bought the order forfeits its override


@dataclass(frozen=True)
class HostTier:
    min_sales_cents: int
    reward_bp: int
    bonus_cents: int


@dataclass(frozen=True)
class Party(Component):
    consultant_rate_bp: int
    host_tiers: tuple[HostTier, ...]  # ascending by min_sales_cents


@dataclass(frozen=True)
class RetailProfit(Component):
    pass


@dataclass(frozen=True)
class FastStart(Component):
    days: int
    rates_bp: tuple[int, ...]  # level 1 = the recruit's sponsor
    compression: bool


@dataclass(frozen=True)
class RankAdvancement(Component):
    amounts_cents: tuple[int, ...]  # per rank index (0 = nothing for reaching it)
    pay_skipped_ranks: bool


@dataclass(frozen=True)
class Matching(Component):
    generations_bp: tuple[int, ...]  # generation 1 = personally sponsored
    on_components: tuple[int, ...]  # indexes into Plan.components (all earlier than this one)
    compression: bool


@dataclass(frozen=True)
class LeadershipPool(Component):
    percent_bp: int  # of the company's total CV for the period
    shares_by_rank: tuple[tuple[int, int], ...]  # (rank index, shares), ascending by rank


@dataclass(frozen=True)
class EnrolmentBonus(Component):
    amount_cents: int  # to the sponsor, per personally enrolled member meeting min_pv in their first `periods`
    periods: int
    min_pv: int


@dataclass(frozen=True)
class Plan:
    name: str
    ranks: tuple[Rank, ...]
    active: ActiveRule
    components: tuple[Component, ...]
    payout_cap_ratio_bp: int | None = None  # e.g. "0.45" -> 4500: total paid is scaled down to at most 45 % of CV
    rank_grace_periods: int = 0  # paid-as rank = the highest rank qualified in this and this many previous periods
    entry: Entry = field(default_factory=Entry)
    document: dict = field(default_factory=dict, compare=False, repr=False)

    def rank_index(self, code: str) -> int:
        return next(i for i, r in enumerate(self.ranks) if r.code == code)
