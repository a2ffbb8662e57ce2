"""`make demo`'s seeding of the demo company (infra.demo_data.demo_company_populate: people, three months of orders
with their payments, shipments and stock, refunds, commission periods through payout, 90 days of demotion history) on
a fresh database. Prints the total and each step's seconds."""

import time

from bench.support import django_bench_setup, figure, progress


def run() -> None:
    progress("preparing a fresh benchmark database…")
    django_bench_setup("canopy_bench_demo")
    from django_tenants.utils import schema_context

    from infra.demo_data import demo_company_populate
    from tenants.services import company_onboard

    onboarding = company_onboard(
        name="Bench Demo", subdomain="benchdemo", admin_email="admin@benchdemo.test", send_invitation=False
    )
    steps: list[tuple[str, float]] = []
    last = [time.perf_counter()]

    def log(line: str) -> None:
        now = time.perf_counter()
        steps.append((line, now - last[0]))
        last[0] = now
        progress(line)

    started = time.perf_counter()
    with schema_context(onboarding.company.schema_name):
        demo_company_populate(log=log)
    total = time.perf_counter() - started
    log("done")
    for index, (line, _) in enumerate(steps[:-1]):
        progress(f"{steps[index + 1][1]:7.1f} s  {line.strip()}")
    figure("demo_populate_s", total, "s", 1)
