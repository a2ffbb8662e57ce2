import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_tenants.utils import schema_context

from core.commerce.services.history import orders_history_import
from core.members.importing.common import ImportRejected
from core.members.importing.customers import customers_import
from core.members.importing.members import members_import
from core.progress import terminal_progress


class Command(BaseCommand):
    help = (
        "Import a company's historic orders from CSV (optionally after its members and customers, in the same run "
        "and the same transaction): all or nothing, with a report naming line, column and reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("schema", help="The company's schema name (its subdomain).")
        parser.add_argument(
            "--orders", required=True, help="CSV of orders: order_ref, order_date, buyer_member_number, sku…"
        )
        parser.add_argument("--members", help="CSV of members, imported first (as import_members --members).")
        parser.add_argument("--customers", help="CSV of customers, imported before the orders.")

    def handle(self, *args, **opts):
        progress = terminal_progress(sys.stderr)
        steps = [
            (kind, importer)
            for kind, importer in (
                ("members", members_import),
                ("customers", customers_import),
                ("orders", orders_history_import),
            )
            if opts[kind]
        ]
        reports = []
        with schema_context(opts["schema"]), transaction.atomic():
            # One transaction: orders that are rejected leave no members or customers behind either.
            for kind, importer in steps:
                try:
                    with open(opts[kind], newline="", encoding="utf-8-sig") as handle:
                        reports.append((kind, importer(text=handle, progress=progress)))
                except ImportRejected as rejected:
                    raise CommandError(rejected.report.problems_text(kind)) from rejected
                except FileNotFoundError as exc:
                    raise CommandError(f"{kind}: no file at {opts[kind]}") from exc
                except UnicodeDecodeError as exc:
                    raise CommandError(f"{kind}: {opts[kind]} is not UTF-8 text") from exc
        for kind, report in reports:
            if kind == "orders":
                message = (
                    f"orders: imported {report.orders_created:,} orders ({report.created:,} of {report.rows:,} rows); "
                    f"skipped {report.orders_skipped:,} imported before ({report.skipped:,} rows)"
                )
            else:
                message = f"{kind}: imported {report.created:,} of {report.rows:,} rows"
            self.stdout.write(self.style.SUCCESS(message))
