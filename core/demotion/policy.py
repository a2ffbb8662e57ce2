"""The progressive demotion policy as a validated document, and the pure evaluation of it.

A policy is an ordered list of stages. Each stage has a condition over a member's record (days without a paid
back-office subscription, a lapsed subscription after its retry grace period, too little PSV within a window) and the
actions that apply while the condition holds. Conditions grow monotonically with inactivity, so a member's stage is the
last stage whose condition holds and the actions in force are those of every stage that holds.

No ORM here: `evaluate` takes arrays of facts (one entry per member) so a million members evaluate in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
from django.utils.translation import gettext

from core.demotion.policy_templates import (  # noqa: F401 (re-exported: the templates a company starts from)
    POLICY_TEMPLATES,
    STAGE_TEXT_FIELDS,
    default_policy_document,
    fair_policy_document,
    policy_template,
    stage_text,
)

ACTIONS = (
    "notice",
    "access_demotion",
    "commission_exclusion",
    "preferred_pricing_loss",
    "login_deactivation",
    "move_downline",
    "move_to_terminated_tree",
)
# Actions that change other people's trees; they are not lifted automatically (an admin reinstates).
DESTRUCTIVE_ACTIONS = frozenset({"move_downline", "move_to_terminated_tree"})
PSV_BASES = ("psv", "personal_purchases")
NEVER = 1_000_000  # "days since" for something that never happened


class PolicyError(ValueError):
    """Invalid policy document; `errors` maps a field path to its reasons."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Condition:
    subscription_unpaid_days: int | None = None
    subscription_lapsed: bool = False
    psv_min: Decimal | None = None
    psv_window_days: int | None = None
    combine: str = "any"

    @property
    def parts(self) -> list[str]:
        parts = []
        if self.subscription_unpaid_days is not None:
            parts.append("subscription_unpaid")
        if self.subscription_lapsed:
            parts.append("subscription_lapsed")
        if self.psv_min is not None:
            parts.append("psv")
        return parts


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    condition: Condition
    actions: tuple[str, ...]
    email_subject: str = ""
    email_body: str = ""


@dataclass(frozen=True)
class Policy:
    stages: tuple[Stage, ...]
    psv_basis: str = "psv"
    decline_grace_days: int = 0
    enabled: bool = True
    acknowledged_warnings: tuple[str, ...] = field(default=())

    def stage(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)

    @property
    def psv_windows(self) -> list[int]:
        return sorted({s.condition.psv_window_days for s in self.stages if s.condition.psv_window_days})


def _int(value, path: str, errors: dict, minimum: int = 0) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.setdefault(path, []).append(gettext("Must be a whole number of days."))
        return None
    if value < minimum:
        errors.setdefault(path, []).append(gettext("Must be at least %(minimum)s.") % {"minimum": minimum})
        return None
    return value


def policy_from_document(doc: dict) -> Policy:
    """Validate a policy document; every problem is reported with its field path."""
    errors: dict[str, list[str]] = {}
    if not isinstance(doc, dict):
        raise PolicyError({"": [gettext("The policy must be an object.")]})
    basis = doc.get("psv_basis", "psv")
    if basis not in PSV_BASES:
        errors["psv_basis"] = [gettext("Choose one of %(choices)s.") % {"choices": ", ".join(PSV_BASES)}]
    grace = _int(doc.get("decline_grace_days", 0), "decline_grace_days", errors)
    raw_stages = doc.get("stages")
    stages: list[Stage] = []
    if not isinstance(raw_stages, list) or not raw_stages:
        errors["stages"] = [gettext("Give at least one stage.")]
        raw_stages = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_stages):
        at = f"stages[{i}]"
        if not isinstance(raw, dict):
            errors[at] = [gettext("Each stage must be an object.")]
            continue
        key = str(raw.get("key") or "").strip()
        if not key or not key.replace("_", "").isalnum():
            errors[f"{at}.key"] = [gettext("Give a key of letters, digits and underscores.")]
        elif key in seen:
            errors[f"{at}.key"] = [gettext("The key %(key)s is used by an earlier stage.") % {"key": repr(key)}]
        seen.add(key)
        name = str(raw.get("name") or "").strip()
        if not name:
            errors[f"{at}.name"] = [gettext("Give the stage a name.")]
        condition = _condition_from(raw.get("condition") or {}, at, errors)
        actions = _actions_from(raw.get("actions"), at, errors)
        stages.append(
            Stage(
                key=key,
                name=name,
                condition=condition,
                actions=actions,
                email_subject=str(raw.get("email_subject") or name),
                email_body=str(raw.get("email_body") or ""),
            )
        )
    if errors:
        raise PolicyError(errors)
    return Policy(
        stages=tuple(stages),
        psv_basis=basis,
        decline_grace_days=grace if grace is not None else 0,
        enabled=bool(doc.get("enabled", True)),
        acknowledged_warnings=tuple(doc.get("acknowledged_warnings") or ()),
    )


def _condition_from(cond_raw, at: str, errors: dict[str, list[str]]) -> Condition:
    """A stage's condition; problems go into `errors` under ``<at>.condition...``."""
    if not isinstance(cond_raw, dict):
        errors[f"{at}.condition"] = [gettext("Must be an object.")]
        cond_raw = {}
    unpaid = _int(cond_raw.get("subscription_unpaid_days"), f"{at}.condition.subscription_unpaid_days", errors, 1)
    window = _int(cond_raw.get("psv_window_days"), f"{at}.condition.psv_window_days", errors, 1)
    psv_min = None
    if cond_raw.get("psv_min") is not None:
        try:
            psv_min = Decimal(str(cond_raw["psv_min"])).quantize(Decimal("0.01"))
            if psv_min <= 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.setdefault(f"{at}.condition.psv_min", []).append(gettext("Must be a positive amount."))
            psv_min = None
    # Only a missing partner is "go together": a partner that is given but invalid has its own message already.
    min_given = cond_raw.get("psv_min") is not None
    window_given = cond_raw.get("psv_window_days") is not None
    if min_given != window_given:
        missing = "psv_window_days" if min_given else "psv_min"
        errors.setdefault(f"{at}.condition.{missing}", []).append(
            gettext("Give both the minimum sales volume and its window in days, or neither.")
        )
    combine = cond_raw.get("combine", "any")
    if combine not in ("any", "all"):
        errors[f"{at}.condition.combine"] = [gettext("Choose any or all.")]
    condition = Condition(
        subscription_unpaid_days=unpaid,
        subscription_lapsed=bool(cond_raw.get("subscription_lapsed", False)),
        psv_min=psv_min if window else None,
        psv_window_days=window if psv_min is not None else None,
        combine=combine,
    )
    if (
        not condition.parts
        and f"{at}.condition" not in errors
        and not any(k.startswith(f"{at}.condition.") for k in errors)
    ):
        errors[f"{at}.condition"] = [gettext("Give at least one condition (subscription or PSV).")]
    return condition


def _actions_from(actions, at: str, errors: dict[str, list[str]]) -> tuple[str, ...]:
    """A stage's known actions; an empty list and unknown actions go into `errors`."""
    if not isinstance(actions, list) or not actions:
        errors[f"{at}.actions"] = [
            gettext("Give at least one action of: %(choices)s.") % {"choices": ", ".join(ACTIONS)}
        ]
        actions = []
    for j, action in enumerate(actions):
        if action not in ACTIONS:
            errors[f"{at}.actions[{j}]"] = [
                gettext("Unknown action %(action)s; choose from %(choices)s.")
                % {"action": repr(action), "choices": ", ".join(ACTIONS)}
            ]
    return tuple(a for a in actions if a in ACTIONS)


@dataclass(frozen=True)
class FairnessWarning:
    code: str
    message: str


def fairness_warnings(policy: Policy) -> list[FairnessWarning]:
    """What an admin must acknowledge before saving, seed 003's own concerns included: demotion on personal purchases
    alone ("no purchase necessary"), access lost on a failed charge with no grace for retries, commissions, login or
    downline taken from a member who is selling for a failed fee payment, termination for not purchasing, and
    downline moves that are hard to undo."""
    warnings = []
    uses_psv = any(s.condition.psv_min is not None for s in policy.stages)
    if uses_psv and policy.psv_basis == "personal_purchases":
        warnings.append(
            FairnessWarning(
                "personal_purchases_only",
                gettext(
                    "This policy demotes members on their own purchases alone. Counting customer sales as well (PSV) "
                    "keeps the 'no purchase necessary' principle; ask your attorney before demoting on purchases."
                ),
            )
        )
    charge_only = [
        s for s in policy.stages if s.condition.parts == ["subscription_lapsed"] and set(s.actions) - {"notice"}
    ]
    if charge_only and policy.decline_grace_days == 0:
        warnings.append(
            FairnessWarning(
                "failed_charge_without_grace",
                gettext(
                    "Stage %(stage)r applies as soon as a card is declined, with no grace period for retries. "
                    "A member travelling or with an expired card loses access immediately."
                )
                % {"stage": charge_only[0].name},
            )
        )
    severe = {"commission_exclusion", "login_deactivation", *DESTRUCTIVE_ACTIONS}
    on_fee_alone = [s for s in policy.stages if set(s.actions) & severe and _fee_alone_can_trigger(s.condition)]
    if on_fee_alone:
        warnings.append(
            FairnessWarning(
                "removed_while_selling",
                gettext(
                    "Stage %(stage)r can take commissions, the login or the downline from a member who is selling, "
                    "for an unpaid back-office fee alone (for example a failed card payment). Require the fee unpaid "
                    "and too little PSV together (all conditions) to spare selling members."
                )
                % {"stage": on_fee_alone[0].name},
            )
        )
    if (
        uses_psv
        and policy.psv_basis == "personal_purchases"
        and any(
            set(s.actions) & {"login_deactivation", *DESTRUCTIVE_ACTIONS} for s in policy.stages if s.condition.psv_min
        )
    ):
        warnings.append(
            FairnessWarning(
                "terminated_for_not_purchasing",
                gettext(
                    "Members can be deactivated or lose their downline for not purchasing themselves. Regulators "
                    "treat required purchases as a sign of a pyramid scheme."
                ),
            )
        )
    moves = [s for s in policy.stages if set(s.actions) & DESTRUCTIVE_ACTIONS]
    if moves:
        warnings.append(
            FairnessWarning(
                "downline_moves_hard_to_undo",
                gettext(
                    "Stage %(stage)r moves the member's downline to their sponsor and the member to the terminated "
                    "tree. A reinstatement can move them back, but commissions paid in between are not recalculated "
                    "and the people moved will have seen the change."
                )
                % {"stage": moves[0].name},
            )
        )
    return warnings


def _fee_alone_can_trigger(condition: Condition) -> bool:
    """True when the back-office fee being unpaid or lapsed is enough for the condition to hold."""
    fee_parts = {"subscription_unpaid", "subscription_lapsed"} & set(condition.parts)
    if not fee_parts:
        return False
    return condition.combine == "any" or set(condition.parts) <= fee_parts


@dataclass
class MemberFacts:
    """One entry per member, as of the evaluation day. Days are whole days; PSV in cents."""

    member_ids: np.ndarray  # int64
    days_since_join: np.ndarray  # int32
    days_since_paid_subscription: np.ndarray  # int32, NEVER when never paid
    days_lapsed: np.ndarray  # int32, -1 when the subscription is in good standing
    psv_cents_by_window: dict[int, np.ndarray]  # window days -> int64 cents of PSV within the window
    # Days since the back-office fee became due for the member (the later of joining and the fee being switched on);
    # None: the same as days_since_join.
    days_since_fee_due: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.member_ids)


def condition_holds(condition: Condition, facts: MemberFacts, grace_days: int) -> np.ndarray:
    """Boolean per member. A window only counts once the member has been a member for the whole window."""
    parts = []
    if condition.subscription_unpaid_days is not None:
        days = condition.subscription_unpaid_days
        due = facts.days_since_join if facts.days_since_fee_due is None else facts.days_since_fee_due
        parts.append((facts.days_since_paid_subscription >= days) & (due >= days))
    if condition.subscription_lapsed:
        parts.append(facts.days_lapsed >= grace_days)
    if condition.psv_min is not None:
        window = condition.psv_window_days
        assert window is not None  # the parser keeps psv_min and psv_window_days together
        need = int(condition.psv_min * 100)
        parts.append((facts.psv_cents_by_window[window] < need) & (facts.days_since_join >= window))
    if not parts:
        return np.zeros(len(facts), dtype=bool)
    combined = parts[0].copy()
    for part in parts[1:]:
        combined = (combined | part) if condition.combine == "any" else (combined & part)
    return combined


@dataclass
class Evaluation:
    holds: np.ndarray  # bool matrix members × stages
    stage_index: np.ndarray  # int16 per member: last holding stage, -1 for none

    def actions_for(self, policy: Policy, row: int) -> set[str]:
        return {a for j, stage in enumerate(policy.stages) if self.holds[row, j] for a in stage.actions}


def evaluate(policy: Policy, facts: MemberFacts, standing: Standing | None = None) -> Evaluation:
    """Every member's holding stages. With ``standing`` (each member's stage before this day and how long they have
    been in it) the result is paced so that no stage is skipped (see `pace`)."""
    n, k = len(facts), len(policy.stages)
    holds = np.zeros((n, k), dtype=bool)
    for j, stage in enumerate(policy.stages):
        holds[:, j] = condition_holds(stage.condition, facts, policy.decline_grace_days)
    if standing is not None:
        holds = pace(policy, holds, standing)
    return Evaluation(holds=holds, stage_index=_highest(holds))


def _highest(holds: np.ndarray) -> np.ndarray:
    k = holds.shape[1]
    if k == 0:
        return np.full(len(holds), -1, dtype=np.int16)
    last = k - 1 - np.argmax(holds[:, ::-1], axis=1)
    return np.where(holds.any(axis=1), last, -1).astype(np.int16)


@dataclass
class Standing:
    """Each member's stage before the evaluated day (-1: in good standing) and whole days spent in it."""

    stage_index: np.ndarray  # int16
    days_in_stage: np.ndarray  # int32


def stage_day_bounds(policy: Policy) -> tuple[list[int], list[int]]:
    """The earliest and latest day counts at which each stage's condition can start to hold, from its day-count parts
    (a lapsed-card part starts at the decline grace)."""
    lows, highs = [], []
    for stage in policy.stages:
        days = []
        if stage.condition.subscription_unpaid_days is not None:
            days.append(stage.condition.subscription_unpaid_days)
        if stage.condition.subscription_lapsed:
            days.append(policy.decline_grace_days)
        if stage.condition.psv_window_days is not None:
            days.append(stage.condition.psv_window_days)
        lows.append(min(days, default=0))
        highs.append(max(days, default=0))
    return lows, highs


def stage_gap(policy: Policy, from_index: int, to_index: int) -> int:
    """The least number of days a member spends in stage ``from_index`` before stage ``to_index`` may follow: the
    policy's own spacing (the later stage's earliest day minus the earlier stage's latest day; 0 for stages that
    start together). A member whose facts arrive day by day always meets it; it only holds back a member whose
    facts jump (a first evaluation, an import, missed days)."""
    if from_index < 0:
        return 0
    lows, highs = stage_day_bounds(policy)
    return max(0, lows[to_index] - highs[from_index])


def pace(policy: Policy, holds: np.ndarray, standing: Standing) -> np.ndarray:
    """No skipped stages: a member advances from their stage to the next holding stage only after the policy's
    spacing between the two (`stage_gap`), together with any stages that start on the same day as it, and never
    further in one evaluation. Every member therefore receives every notice the policy has, each on its own day.
    Going back (a condition stops holding) is never held back."""
    n, k = holds.shape
    if k == 0 or n == 0:
        return holds
    target = _highest(holds)
    previous = standing.stage_index.astype(np.int16)
    advancing = np.nonzero(target > previous)[0]
    if not len(advancing):
        return holds
    lows, highs = stage_day_bounds(policy)
    sub = holds[advancing]
    prev = previous[advancing].astype(np.int64)
    days_in = standing.days_in_stage[advancing].astype(np.int64)
    # next_holding[:, j + 1] = the lowest holding stage above j (k when none): j = -1 is column 0.
    next_holding = np.full((len(advancing), k + 1), k, dtype=np.int64)
    for j in range(k - 1, -1, -1):
        next_holding[:, j] = np.where(sub[:, j], j, next_holding[:, j + 1])
    reached = prev.copy()
    moving = np.ones(len(advancing), dtype=bool)
    low = np.array(lows, dtype=np.int64)
    high = np.array(highs, dtype=np.int64)
    first = True
    for _ in range(k):
        candidate = next_holding[np.arange(len(advancing)), reached + 1]
        exists = candidate < k
        safe_candidate = np.minimum(candidate, k - 1)
        gap = np.where(reached >= 0, np.maximum(0, low[safe_candidate] - high[np.maximum(reached, 0)]), 0)
        # The first step out of the member's stage needs the days spent in it; later steps in the same evaluation
        # only take stages that start on the same day as the one just entered.
        allowed = exists & moving & ((gap <= days_in) if first else (gap == 0))
        if not allowed.any():
            break
        reached = np.where(allowed, candidate, reached)
        moving = allowed
        first = False
    keep = np.arange(k)[None, :] <= reached[:, None]
    paced = holds.copy()
    paced[advancing] = sub & keep
    return paced
