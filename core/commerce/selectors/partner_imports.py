"""Partner sales imports as staff list them."""

from __future__ import annotations

from django.db.models import QuerySet

from core.commerce.models import SalesImport


def sales_imports_list() -> QuerySet[SalesImport]:
    """Every import, in the model's order (newest first)."""
    return SalesImport.objects.all()
