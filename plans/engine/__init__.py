"""Pure compensation-plan engine: plan documents, period snapshots (numpy arrays) and the calculation.

Nothing here touches Django or the database: the Django layer loads a `Snapshot`, calls `calculate(plan, snap)` and
stores the `Result`'s ledger lines.
"""

from plans.engine.calculate import Ledger, Reason, Result, Rule, calculate, explain
from plans.engine.document import Plan, PlanError, plan_from_document
from plans.engine.snapshot import Snapshot, snapshot_from_lists

__all__ = [
    "Ledger",
    "Plan",
    "PlanError",
    "Reason",
    "Result",
    "Rule",
    "Snapshot",
    "calculate",
    "explain",
    "plan_from_document",
    "snapshot_from_lists",
]
