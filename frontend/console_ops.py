"""The console's remaining commerce and operations pages: tax rate and coupon forms, product categories and images,
parties and webhooks. Each action posts to one service in core/."""

from __future__ import annotations
