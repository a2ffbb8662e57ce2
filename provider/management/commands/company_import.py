from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from provider.management.commands.company_export import line_progress
from provider.portability.importing import company_import


class Command(BaseCommand):
    help = (
        "Import a company archive made by company_export, all or nothing, under its own or a new subdomain "
        "(docs/portability.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--subdomain", default="", help="Serve it here (default: the subdomain it had).")
        parser.add_argument(
            "--allow-key-mismatch",
            action="store_true",
            help="Import although FIELD_ENCRYPTION_KEY differs from the source's (its tax ids become unreadable).",
        )

    def handle(self, *args, **opts):
        path = Path(opts["archive"])
        if not path.is_file():
            raise CommandError(f"archive: no file at {path}.")
        try:
            result = company_import(
                path=path,
                subdomain=opts["subdomain"],
                allow_key_mismatch=opts["allow_key_mismatch"],
                progress=line_progress,
            )
        except ValidationError as exc:
            lines = [f"{field}: {m}" for field, ms in exc.message_dict.items() for m in ms]
            raise CommandError("Nothing imported:\n  " + "\n  ".join(lines)) from exc
        self.stdout.write(self.style.SUCCESS(f"Imported {result.company.name} at {result.domain}"))
        for domain in result.skipped_domains:
            self.stdout.write(self.style.WARNING(f"Domain {domain} is taken here and was not imported."))
