"""Test-only fault injection for card charges (like billing.services.crash_after): a step named in ``crash_before``
raises SimulatedCrash once just before its Stripe call, one in ``crash_after`` once right after it, before our
database records the result — what a process killed at that moment leaves behind for payments_reconcile.

Steps: ``order_charge`` / ``order_charged`` (order_pay_card), ``fee_charge`` / ``fee_charged`` (subscription_charge).
Both sets are empty outside tests, so a checkpoint costs one set look-up."""

from __future__ import annotations

crash_before: set[str] = set()
crash_after: set[str] = set()


class SimulatedCrash(BaseException):
    """Stands for the process being killed (a BaseException, so no ``except Exception`` swallows it)."""


def checkpoint(step: str) -> None:
    for armed in (crash_before, crash_after):
        if step in armed:
            armed.discard(step)
            raise SimulatedCrash(step)
