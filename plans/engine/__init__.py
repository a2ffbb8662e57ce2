"""Pure compensation-plan engine: plan documents, period snapshots (numpy arrays) and the calculation.

Nothing here touches Django or the database: the Django layer loads a `Snapshot`, calls `calculate(plan, snap)` and
stores the `Result`'s ledger lines.
"""
