from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_tenant_model, schema_context

from core.commerce.selectors.history import orders_history_export_rows


class Command(BaseCommand):
    help = (
        "Export a company's paid orders as the historic orders CSV (one row per order line), the file "
        "import_order_history --orders reads."
    )

    def add_arguments(self, parser):
        parser.add_argument("schema", help="The company's schema name (its subdomain).")
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, **opts):
        if not get_tenant_model().objects.filter(schema_name=opts["schema"]).exists():
            raise CommandError(f"no company with schema '{opts['schema']}'")
        with schema_context(opts["schema"]):
            if opts["output"]:
                with open(opts["output"], "w", newline="", encoding="utf-8") as handle:
                    handle.writelines(orders_history_export_rows())
            else:
                for row in orders_history_export_rows():
                    self.stdout.write(row, ending="")
