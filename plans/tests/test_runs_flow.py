from decimal import Decimal

import pytest

from plans.models import LedgerLine, RunLine, RunMemberResult, RunStatus
from plans.services import run_preview
from plans.tests.conftest import buy

pytestmark = pytest.mark.django_db


def test_preview_pays_the_hand_computed_unilevel(chain, product, plan, january, admin):
    for name in ("root", "a", "b", "c"):
        buy(chain[name])
    run = run_preview(period=january, by=admin)
    assert run.status == RunStatus.DONE
    # c's order: b 10, a 5; b's: a 10, root 5; a's: root 10; root's: nobody. Total 40.00 on 400 CV.
    assert run.total_paid == Decimal("40.00")
    assert run.total_cv == Decimal("400.00")
    assert run.payout_ratio == Decimal("0.1000")
    earned = dict(RunMemberResult.objects.filter(run=run).values_list("member_id", "earned_cents"))
    assert earned == {chain["root"].pk: 1500, chain["a"].pk: 1500, chain["b"].pk: 1000, chain["c"].pk: 0}
    assert RunLine.objects.filter(run=run, reason=0).count() == 5
    assert LedgerLine.objects.count() == 0
