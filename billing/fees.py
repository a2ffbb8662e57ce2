"""Fee arithmetic for provider billing: pure functions on Decimal (skeleton, filled in next commits)."""
