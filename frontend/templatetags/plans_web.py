"""Template helpers of the plans pages, and the back-office dashboard's earnings panel (an inclusion tag). The rank
and its progress are part of the period's figures (office/_period_figures.html, member_period_figures)."""

from django import template

from plans import selectors, selectors_commission_lines

register = template.Library()


@register.filter
def words(code: str) -> str:
    """``not_qualified`` -> ``Not qualified``."""
    return str(code).replace("_", " ").capitalize()


@register.inclusion_tag("office/earnings/_earnings_chart.html", takes_context=True)
def earnings_chart_panel(context, member):
    """The wallet in the company's currency (the page's ``branding``) and the last 12 periods' earnings."""
    periods = selectors_commission_lines.earnings_by_period(member=member)[:12]
    chart = [{"label": f"{p['start']:%Y-%m-%d}", "values": [str(p["total"])]} for p in reversed(periods)]
    return {"chart": chart, "wallet": selectors.wallet_balance(member=member), "branding": context.get("branding")}
