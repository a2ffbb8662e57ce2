"""``{% sidebar "console" %}``: the declared navigation (frontend.common.navigation) as links."""

from django import template

from frontend.common.navigation import sidebar_links

register = template.Library()


@register.inclusion_tag("_sidebar.html", takes_context=True)
def sidebar(context, area: str) -> dict:
    request = context["request"]
    match = request.resolver_match
    return {
        "links": sidebar_links(
            area=area, url_name=match.url_name if match else "", user=request.user, member=context.get("me")
        )
    }
