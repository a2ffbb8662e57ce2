import sys

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from core.csv_safe import csv_writer
from core.members.importing.export import customers_export_rows, members_export_rows


class Command(BaseCommand):
    help = "Write a company's members or customers as CSV (the import's own format) to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("schema")
        parser.add_argument("--what", choices=["members", "customers"], default="members")
        parser.add_argument("--output", help="File to write (default: stdout).")

    def handle(self, *args, **opts):
        rows = members_export_rows if opts["what"] == "members" else customers_export_rows
        with schema_context(opts["schema"]):
            if not opts["output"]:
                csv_writer(sys.stdout).writerows(rows())
                return
            with open(opts["output"], "w", newline="", encoding="utf-8") as handle:
                csv_writer(handle).writerows(rows())
