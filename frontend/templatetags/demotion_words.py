"""``{{ stage_form.initial|stage_trigger }}``: when a demotion stage applies, in words, for the stage list of the
policy editor ("Warning — when the subscription is unpaid, declined or expired")."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from frontend.common import formatting

register = template.Library()


def _conditions(stage: dict) -> list[str]:
    words = []
    if stage.get("subscription_lapsed"):
        words.append(_("the subscription is unpaid, declined or expired"))
    if stage.get("subscription_unpaid_days") not in (None, ""):
        words.append(
            _("no subscription was paid for %(days)s days or more") % {"days": stage["subscription_unpaid_days"]}
        )
    if stage.get("psv_min") not in (None, "") and stage.get("psv_window_days") not in (None, ""):
        words.append(
            _("sales volume (PSV) is below %(psv)s over %(days)s days")
            % {"psv": formatting.number(stage["psv_min"]), "days": stage["psv_window_days"]}
        )
    return words


@register.filter
def stage_trigger(stage) -> str:
    """ "when A or B" / "when A and B"; empty when the stage has no condition yet."""
    if not isinstance(stage, dict):
        return ""
    words = _conditions(stage)
    if not words:
        return ""
    joiner = _(" and ") if stage.get("combine") == "all" else _(" or ")
    return _("when %(conditions)s") % {"conditions": joiner.join(words)}
