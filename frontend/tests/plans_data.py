"""Helpers of the plans page tests (frontend/tests/test_plans_*.py). Their company, with its January 2026 preview
run, is the ``company`` fixture of frontend/tests/conftest.py:

The company (plans.tests.conftest helpers): root <- a <- b <- c, each buys one 100 PV / 100 CV kit in January 2026;
plan unilevel 10 % / 5 % with compression, active = 100 PV, ranks bronze (100 PV) and silver (100 PV, 300 GV).
Hand-computed: GV c 100, b 200, a 300, root 400 -> c and b bronze, a and root silver; paid root 15, a 15, b 10, c 0.
"""

from __future__ import annotations

import csv
import io

from django_tenants.utils import schema_context

from plans.services_periods import period_close
from plans.services_posting import run_approve, run_post


def post_run(alpha, company):
    with schema_context(alpha.schema):
        run = run_approve(run=company["run"], by=company["admin"])
        period_close(period=run.period, by=company["admin"])
        return run_post(run=run, by=company["admin"])


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))
