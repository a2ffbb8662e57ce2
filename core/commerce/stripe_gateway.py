"""Moved to core.commerce.gateways.stripe."""

# re-exports for frontend/ until it imports the modules directly
from core.commerce.gateways.stripe import GatewayError

__all__ = ["GatewayError"]
