"""The company site's storefront pages: "Find a distributor" (and picking one), the company's shop link and its
branding pictures. See frontend.site.storefront for whom a company-site purchase is credited to."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.company.services import company_settings_get
from core.members.selectors import distributor_directory, replicated_site_owner
from frontend.common.paging import paginate
from frontend.site.storefront import attribution_for, distributor_pick, home_context

DIRECTORY_PAGE = 20


def distributors(request):
    """Find a distributor: members who opted in, by name or city; each with a link to their site (paged)."""
    query = request.GET.get("q", "").strip()[:100]
    context = paginate(request, distributor_directory(query=query), DIRECTORY_PAGE)
    return render(request, "site/distributors.html", home_context(request, q=query, **context))


@require_POST
def pick(request):
    """ "Shop with this distributor": credit this visitor's purchases to them and open their shop."""
    member = replicated_site_owner(username=request.POST.get("username", "")[:32])
    if member is None or not member.listed_in_directory:
        return render(
            request,
            "site/distributors.html",
            home_context(request, q="", pick_error=_("That distributor cannot be chosen. Search again.")),
            status=400,
        )
    distributor_pick(request, member)
    return redirect(f"/{member.username}/shop/")


def company_shop(request):
    """The company site's "Shop": the shop of the distributor this visit is credited to."""
    seller = attribution_for(request).member
    if seller is None:
        raise Http404(_("The shop is not open yet."))
    return redirect(f"/{seller.username}/shop/")


BRANDING_PICTURES = {"logo": "logo", "hero": "hero_image"}


def branding_image(request, kind: str):
    """The company's logo or hero picture, for anyone (the files sit in the company's media, not under /static/)."""
    field = BRANDING_PICTURES.get(kind)
    picture = getattr(company_settings_get(), field) if field else None
    if not picture:
        raise Http404(_("No such picture."))
    response = FileResponse(picture.open("rb"))
    response["Cache-Control"] = "public, max-age=300"
    return response
