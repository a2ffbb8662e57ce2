"""The stage e-mails' text: every stage that starts sends its own template text, and the "why" and "what lifts it"
name exactly the conditions that hold (stages hold if either the fee is unpaid or PSV is short, so both must be put
right). Pat joined on 1 January 2026 (day 0) under seed 003's default policy; ``house`` sponsors Pat and stays
active."""

import datetime

import pytest

from core.accounts.models import User
from core.company.services import company_languages_set
from core.demotion.models import Notification
from core.demotion.services.evaluation import evaluate_day
from core.demotion.services.notices import notice_shared_context
from core.demotion.tests.conftest import JOIN, keep_active, paid_order, paid_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def pat(enroll):
    house = enroll(None, username="house")
    pat = enroll(house, username="pat")
    return {"house": house, "pat": pat}


def day(n: int) -> datetime.date:
    return JOIN + datetime.timedelta(days=n)


def run(org, n: int):
    keep_active([org["house"]], day(n))
    return evaluate_day(day=day(n))


def notices(org) -> list[Notification]:
    return list(Notification.objects.filter(member=org["pat"]).order_by("id"))


def office() -> str:
    return notice_shared_context()["back_office_url"]


def test_two_stages_on_one_day_send_both_stages_texts(pat):
    """Sales-volume path: Pat pays the fee every month but sells nothing, so commission exclusion and preferred
    pricing loss both start on day 90 (their 90-day PSV window has passed)."""
    for n in (0, 30, 60, 90):
        paid_subscription(pat["pat"], day(n))
    run(pat, 89)
    assert notices(pat) == []
    run(pat, 90)
    [notice] = notices(pat)
    assert notice.stage_key == "preferred_pricing_loss"
    assert notice.subject == "You will not receive commissions; Your orders are now at retail price"
    why = (
        "Why: your sales volume (PSV) in the last 90 days is 0.00 (200.00 needed).\n"
        "What lifts it: reach 200.00 of sales volume (PSV) within the last 90 days (you have 0.00).\n"
        "Next step: Pending deactivation (first notice) on 2026-06-30 unless you do this before then.\n"
    )
    assert notice.body == (
        "Hello Pat,\n\nYou are excluded from commissions until you are active.\n\n"
        + why
        + f"\nYour back office: {office()}\n"
        + "\n"
        + "Hello Pat,\n\nYour own orders are now priced at retail.\n\n"
        + why
        + f"\nYour back office: {office()}\n"
    )


def test_each_notice_is_worded_in_its_member_s_language(pat):
    """Pat reads Spanish, House English (issue 19): the facts in Pat's notice are worked out in Spanish."""
    company_languages_set(languages=["en", "es"], default="en")
    User.objects.filter(pk=pat["pat"].user_id).update(language="es")
    paid_subscription(pat["pat"], day(0))
    paid_order(pat["pat"], day(50))
    run(pat, 60)
    [notice] = notices(pat)
    assert "Motivo: su último pago de la suscripción a la oficina virtual fue el 2026-01-01 (hace 60 días).\n" in (
        notice.body
    )


def test_fee_unpaid_only_names_the_fee_alone(pat):
    paid_subscription(pat["pat"], day(0))
    paid_order(pat["pat"], day(50))
    run(pat, 60)
    [notice] = notices(pat)
    assert notice.subject == "You will not receive commissions"
    assert notice.body == (
        "Hello Pat,\n\nYou are excluded from commissions until you are active.\n\n"
        "Why: your last paid back-office subscription was on 2026-01-01 (60 days ago).\n"
        "What lifts it: pay your back-office subscription.\n"
        "Next step: Preferred pricing loss on 2026-04-01 unless you do this before then.\n"
        f"\nYour back office: {office()}\n"
    )


def test_fee_unpaid_and_psv_short_needs_both(pat):
    paid_subscription(pat["pat"], day(0))
    run(pat, 60)
    run(pat, 90)
    notice = notices(pat)[-1]
    assert notice.subject == "Your orders are now at retail price"
    assert notice.body == (
        "Hello Pat,\n\nYour own orders are now priced at retail.\n\n"
        "Why: your last paid back-office subscription was on 2026-01-01 (90 days ago) and your sales volume (PSV) "
        "in the last 90 days is 0.00 (200.00 needed).\n"
        "What lifts it: pay your back-office subscription and reach 200.00 of sales volume (PSV) within the last "
        "90 days (you have 0.00).\n"
        "Next step: Pending deactivation (first notice) on 2026-06-30 unless you do this before then.\n"
        f"\nYour back office: {office()}\n"
    )
