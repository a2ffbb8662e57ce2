"""Stage e-mails in the reader's language: a stage whose text is still its template's default (seed 003's here) is
rendered in the active language, whichever language the policy was saved in; a company's own words are sent as
written. Pat joined on 1 January 2026 and pays the fee once; day 60 starts commission exclusion (fee unpaid for 60
days). The sender renders each notice in its member's language (their own when the company enables it, else the
company's default)."""

import datetime

import pytest
from django.utils import translation

from core.accounts.models import User
from core.company.services import company_languages_set
from core.demotion.models import DemotionPolicyVersion, Notification
from core.demotion.services.evaluation import evaluate_day
from core.demotion.services.notices import notice_shared_context
from core.demotion.tests.conftest import JOIN, keep_active, paid_order, paid_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def pat(enroll):
    house = enroll(None, username="house")
    pat = enroll(house, username="pat")
    paid_subscription(pat, JOIN)
    paid_order(pat, JOIN + datetime.timedelta(days=50))
    return {"house": house, "pat": pat}


def run(org, n: int) -> None:
    day = JOIN + datetime.timedelta(days=n)
    keep_active([org["house"]], day)
    evaluate_day(day=day)


def notice(org) -> Notification:
    return Notification.objects.get(member=org["pat"])


def test_a_policy_saved_in_english_e_mails_a_spanish_reader_in_spanish(pat):
    run(pat, 59)  # the default policy is saved now, in English
    assert (
        DemotionPolicyVersion.objects.get().document["stages"][1]["email_subject"] == "You will not receive commissions"
    )
    company_languages_set(languages=["en", "es"], default="en")
    User.objects.filter(pk=pat["pat"].user_id).update(language="es")
    run(pat, 60)
    office = notice_shared_context()["back_office_url"]
    sent = notice(pat)
    assert sent.subject == "No recibirá comisiones"
    assert sent.body == (
        "Hola, Pat:\n\nQueda excluido/a de las comisiones hasta que esté activo/a.\n\n"
        "Motivo: su último pago de la suscripción a la oficina virtual fue el 2026-01-01 (hace 60 días).\n"
        "Qué lo levanta: pagar su suscripción a la oficina virtual.\n"
        "Siguiente paso: Pérdida del precio preferente el 2026-04-01, salvo que lo haga antes.\n"
        f"\nSu oficina virtual: {office}\n"
    )


def test_a_policy_saved_in_spanish_e_mails_an_english_reader_in_english(pat):
    with translation.override("es"):
        run(pat, 59)  # an admin working in Spanish: the default policy is saved in Spanish
    assert DemotionPolicyVersion.objects.get().document["stages"][1]["email_subject"] == "No recibirá comisiones"
    run(pat, 60)
    sent = notice(pat)
    assert sent.subject == "You will not receive commissions"
    assert sent.body.startswith("Hello Pat,\n\nYou are excluded from commissions until you are active.\n\n")
    assert "Next step: Preferred pricing loss on 2026-04-01 unless you do this before then.\n" in sent.body


def test_a_company_s_own_words_are_sent_as_written(pat):
    run(pat, 59)
    document = DemotionPolicyVersion.objects.get().document
    document["stages"][1]["email_subject"] = "Sin comisiones por ahora, {{ member.first_name }}"
    DemotionPolicyVersion.objects.create(document=document, warnings=[])
    with translation.override("en"):
        run(pat, 60)
    assert notice(pat).subject == "Sin comisiones por ahora, Pat"
