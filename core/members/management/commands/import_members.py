import sys

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from core.members.importing.common import ImportRejected
from core.members.importing.customers import customers_import
from core.members.importing.members import members_import
from core.progress import terminal_progress


class Command(BaseCommand):
    help = (
        "Import a company's members (and optionally customers) from CSV files: all or nothing, with a report. "
        "Historic orders: use import_order_history (it can also take --members and --customers in the same run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("schema", help="The company's schema name (its subdomain).")
        parser.add_argument("--members", help="CSV of members: member_number, username, names, email, sponsor_number…")
        parser.add_argument("--customers", help="CSV of customers: distributor_number, customer_type, names, email…")

    def handle(self, *args, **opts):
        if not opts["members"] and not opts["customers"]:
            raise CommandError("Give --members and/or --customers.")
        progress = terminal_progress(sys.stderr)
        with schema_context(opts["schema"]):
            for kind, importer in (("members", members_import), ("customers", customers_import)):
                if not opts[kind]:
                    continue
                try:
                    with open(opts[kind], newline="", encoding="utf-8-sig") as handle:
                        report = importer(text=handle, progress=progress)
                except ImportRejected as rejected:
                    raise CommandError(rejected.report.problems_text(kind)) from rejected
                except FileNotFoundError as exc:
                    raise CommandError(f"{kind}: no file at {opts[kind]}") from exc
                self.stdout.write(self.style.SUCCESS(f"{kind}: imported {report.created:,} of {report.rows:,} rows"))
