"""Commission plans, periods, runs and the ledger (issue 5)."""
