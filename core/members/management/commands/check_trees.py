import sys

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from core.members.selectors_consistency import tree_problems


class Command(BaseCommand):
    help = (
        "Check a company's sponsor and placement trees (paths, depths, loops, stored downline counts, slots); "
        "exit 1 and list the problems when there are any."
    )

    def add_arguments(self, parser):
        parser.add_argument("schema", help="The company's schema name (its subdomain).")

    def handle(self, *args, **opts):
        with schema_context(opts["schema"]):
            problems = tree_problems()
        if not problems:
            self.stdout.write(f"{opts['schema']}: both trees are consistent.")
            return
        for problem in problems:
            self.stderr.write(problem)
        self.stderr.write(f"{opts['schema']}: {len(problems)} problem(s).")
        sys.exit(1)
