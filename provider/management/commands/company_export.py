import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from provider.portability.export import company_export


def line_progress(label: str, done: int, total: int) -> None:
    """A progress bar on stderr (stdout keeps the result lines for scripts)."""
    width = 30
    filled = int(width * done / max(total, 1))
    end = "\n" if done >= total else ""
    print(f"\r  {label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end, file=sys.stderr, flush=True)


class Command(BaseCommand):
    help = "Export one company (its schema, media files and public rows) into one tar.gz archive (docs/portability.md)."

    def add_arguments(self, parser):
        parser.add_argument("schema", help="The company's schema name (its subdomain with '_' for '-').")
        parser.add_argument("archive", help="Where to write the archive, e.g. acme.tar.gz.")

    def handle(self, *args, **opts):
        try:
            result = company_export(schema_name=opts["schema"], path=Path(opts["archive"]), progress=line_progress)
        except ValidationError as exc:
            raise CommandError("; ".join(m for ms in exc.message_dict.values() for m in ms)) from exc
        manifest = result.manifest
        rows = sum(t["rows"] for t in manifest["tables"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {manifest['company_name']} ({manifest['source_schema']}): {len(manifest['tables'])} tables, "
                f"{rows} rows, {len(manifest['media_files'])} media files to {result.path}"
            )
        )
        self.stdout.write(f"Ledger checksum {manifest['ledger_checksum']}")
