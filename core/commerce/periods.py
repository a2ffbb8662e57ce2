"""Moved: commission periods to core.commerce.selectors.periods, money rounding to core.commerce.pricing."""

# re-exports for frontend/ until it imports the modules directly
from core.commerce.pricing import q2
from core.commerce.selectors.periods import company_date, period_end_for, period_start_for

__all__ = ["company_date", "period_end_for", "period_start_for", "q2"]
