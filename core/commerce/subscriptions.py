"""Moved to core.commerce.services.subscriptions."""

# re-exports for frontend/ until it imports the modules directly
from core.commerce.services.subscriptions import subscription_card_set, subscription_pay_now, subscription_start

__all__ = ["subscription_card_set", "subscription_pay_now", "subscription_start"]
