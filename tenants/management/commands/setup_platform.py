from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from tenants.services import company_template_ensure, public_company_ensure


class Command(BaseCommand):
    help = "Migrate the public schema and every company, refresh the template schema, ensure the provider's domain."

    def add_arguments(self, parser):
        parser.add_argument(
            "--parallel",
            type=int,
            default=0,
            help="Migrate company schemas with N processes (django-tenants' multiprocessing).",
        )

    def handle(self, *args, **opts):
        verbosity = opts["verbosity"]
        say = self.stdout.write if verbosity else (lambda *a, **k: None)
        say("Migrating the public schema…")
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=max(verbosity - 1, 0))
        say("Migrating company schemas…")
        extra = {}
        if opts["parallel"] > 1:
            # django-tenants' multiprocessing executor: a pool of N forked processes, one schema per task.
            settings.TENANT_MULTIPROCESSING_MAX_PROCESSES = opts["parallel"]
            extra = {"executor": "multiprocessing"}
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=max(verbosity - 1, 0), **extra)
        say("Refreshing the template schema new companies are cloned from…")
        company_template_ensure(verbosity=max(verbosity - 1, 0))
        public_company_ensure()
        say(self.style.SUCCESS("Platform ready."))
