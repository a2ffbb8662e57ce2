"""Moved to core.commerce.services.autoship."""

# re-exports for frontend/ until it imports the modules directly
from core.commerce.services.autoship import (
    autoship_cancel,
    autoship_card_prepare,
    autoship_create,
    autoship_pause,
    autoship_resume,
)

__all__ = ["autoship_cancel", "autoship_card_prepare", "autoship_create", "autoship_pause", "autoship_resume"]
