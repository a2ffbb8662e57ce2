"""Settle card charges left in flight (a killed process, a network error) from Stripe, for one company or every active
one (provider level: it walks the companies)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from core.commerce.services.reconcile import payments_reconcile
from tenants.selectors import active_companies


class Command(BaseCommand):
    help = "Record (or refund) card charges whose outcome was never recorded; mark charges that never happened failed."

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="One company's schema (default: every active company).")
        parser.add_argument(
            "--older-than-minutes", type=int, default=5, help="Only attempts at least this old (default 5)."
        )

    def handle(self, *args, schema: str | None = None, older_than_minutes: int = 5, **options):
        schemas = [schema] if schema else [c.schema_name for c in active_companies()]
        for name in schemas:
            with schema_context(name):
                report = payments_reconcile(older_than=datetime.timedelta(minutes=older_than_minutes))
            self.stdout.write(f"{name}: " + ", ".join(f"{k} {v}" for k, v in report.items()))
