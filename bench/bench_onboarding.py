"""Company onboarding: seconds per company (schema cloned from the template, domain, settings, first admin)."""

import statistics
import time

from bench.support import django_bench_setup, figure, progress, progress_bar

RUNS = 10


def run() -> None:
    progress("preparing a fresh benchmark database…")
    django_bench_setup()
    from tenants.services import company_onboard

    timings = []
    for i in range(RUNS):
        started = time.perf_counter()
        company_onboard(
            name=f"Bench {i}", subdomain=f"bench-{i}", admin_email=f"admin{i}@bench.test", send_invitation=False
        )
        timings.append(time.perf_counter() - started)
        progress_bar(i + 1, RUNS, "onboarding")
    figure("onboard_company_s", statistics.median(timings), "s", 3)
    figure("onboard_company_max_s", max(timings), "s", 3)


if __name__ == "__main__":
    run()
