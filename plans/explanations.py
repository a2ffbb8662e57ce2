"""A commission line's explanation in words, in the reader's language and number format.

The explanation itself (``plans.selectors_explanations._line_explanation``) is data: the rule, rate, basis, levels
and the numbers of the order and member. Here it becomes one sentence per rule, each marked for translation with named
placeholders, so a translator can reorder it ("5,00 % del CV 100,00 del pedido n.º 2001 …"). With ``currency`` the
amount paid is shown with its currency, as every amount on a page is; without (the API, which gives the currency
beside it) it is a plain number.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plans.currencies import money_text, reader_locale

# One sentence per rule. Placeholders: rate ("5.00 %"), order ("order #2001"), member ("member #100004" or a name),
# basis (the volume or amount the rate applies to), level ("level 2 (3 before compression)"), generation, party,
# rank, shares, period.
_SENTENCES = {
    "level": _("%(rate)s of %(order)s's CV %(basis)s (credited to %(member)s), %(level)s"),
    "differential": _("%(rate)s rank differential on %(order)s's CV %(basis)s (from %(member)s), %(level)s"),
    "generation": _(
        "%(rate)s breakaway generation %(generation)s override on %(order)s's CV %(basis)s (from %(member)s)"
    ),
    "direct": _("%(rate)s direct commission on your sale %(order)s, CV %(basis)s"),
    "override": _("%(rate)s override on %(member)s's sale %(order)s, CV %(basis)s, %(level)s"),
    "pairing": _("%(rate)s of the weak leg's volume %(basis)s"),
    "consultant": _("%(rate)s consultant commission on party %(order)s, CV %(basis)s"),
    "host": _("%(rate)s host reward on party %(party)s's sales %(basis)s"),
    "retail": _("retail profit on %(order)s: retail minus distributor price = %(basis)s"),
    "fast_start": _("%(rate)s fast start on %(order)s's CV %(basis)s of new %(member)s, %(level)s"),
    "advancement": _("rank advancement bonus for reaching %(rank)s"),
    "match": _("%(rate)s check match on %(member)s's earnings %(basis)s, generation %(generation)s"),
    "pool": _("leadership pool of %(basis)s: your %(shares)s shares"),
    "enrolment": _("enrolment bonus for %(member)s, who met the requirement in their period %(period)s"),
}  # fmt: skip


def _number(value) -> str:
    """Two decimals in the reader's format (1,234.50 / 1.234,50)."""
    return format_decimal(Decimal(str(value)), format="#,##0.00", locale=reader_locale())


def _amount(value, currency: str | None) -> str:
    return money_text(Decimal(str(value)), currency) if currency else _number(value)


def explanation_text(e: dict, rank_codes: list[str] | None = None, currency: str | None = None) -> str:
    """One line's explanation in words, e.g. "unilevel: 5.00 % of order #2001's CV 35.00 (credited to member
    #100004), level 2 (3 before compression) = 1.75"."""
    amount = _amount(e.get("amount", 0), currency)
    if e.get("adjustment"):
        return gettext("Manual adjustment by %(by)s: %(reason)s = %(amount)s") % {
            "by": e.get("by") or gettext("an admin"), "reason": e.get("reason", ""), "amount": amount,
        }  # fmt: skip
    rule = e.get("rule", "")
    lr, lc = e.get("level_raw", 0), e.get("level_compressed", 0)
    member = gettext("member #%(number)s") % {"number": e["member_number"]} if e.get("member_number") else ""
    if e.get("member_name") and e.get("member_number"):
        member = f"{e['member_name']} (#{e['member_number']})"
    level = gettext("level %(level)s") % {"level": lc}
    if lr != lc:
        level = gettext("level %(level)s (%(raw)s before compression)") % {"level": lc, "raw": lr}
    sentence = _SENTENCES.get(rule)
    if sentence is None:
        text = rule
    else:
        rate = e.get("rate_percent")
        text = str(sentence) % {
            "rate": f"{_number(rate)} %" if rate is not None else "",
            "order": gettext("order #%(number)s") % {"number": e["order_number"]}
            if e.get("order_number") else gettext("an order"),
            "member": member or gettext("a member"),
            "basis": _number(e.get("basis", 0)),
            "level": level,
            "generation": lc,
            "party": e.get("party_id"),
            "rank": rank_codes[lr] if rank_codes and 0 <= lr < len(rank_codes)
            else gettext("rank %(rank)s") % {"rank": lr},
            "shares": lr,
            "period": lr + 1,
        }  # fmt: skip
    if e.get("clawback_of_line"):
        return gettext("Clawback (refund) of %(bonus)s: %(text)s = %(amount)s") % {
            "bonus": e.get("component", ""), "text": text, "amount": amount,
        }  # fmt: skip
    return gettext("%(bonus)s: %(text)s = %(amount)s") % {
        "bonus": e.get("component", ""), "text": text, "amount": amount,
    }  # fmt: skip
