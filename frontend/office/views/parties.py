"""A consultant's parties in the back office: their own only (anyone else's is a 404). A guest's order is placed
and, when paid at the party, its cash or check recorded (frontend.common.parties)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.commerce.selectors.parties import parties_visible_to
from core.commerce.services.parties import party_close, party_create
from frontend.common.access import office_page
from frontend.common.forms import errors_onto
from frontend.common.paging import paginate
from frontend.common.parties import GuestOrderForm, party_guest_order, party_page_context
from frontend.office.forms import OwnPartyForm


@office_page()
def parties(request):
    return render(
        request, "office/parties.html", {"me": request.member, **paginate(request, parties_visible_to(request.user))}
    )


@office_page()
def party_new(request):
    me = request.member
    form = OwnPartyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            party = party_create(consultant=me, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("%(party)s is created. Add your guests' orders here.") % {"party": party.name})
            return redirect("office-party", pk=party.pk)
    return render(request, "office/party_new.html", {"me": me, "form": form}, status=400 if form.errors else 200)


@office_page()
def party_detail(request, pk: int):
    party = get_object_or_404(parties_visible_to(request.user), pk=pk)
    form = None
    if request.method == "POST":
        if request.POST.get("action") == "close":
            party_close(party=party)
            messages.success(request, _("%(party)s is closed.") % {"party": party.name})
            return redirect("office-party", pk=party.pk)
        form = GuestOrderForm(request.POST)
        order = party_guest_order(party=party, form=form, by=request.user)
        if order is not None:
            messages.success(
                request,
                _("Order %(number)s for %(guest)s is placed.") % {"number": order.number, "guest": order.buyer_name},
            )
            return redirect("office-party", pk=party.pk)
        party = get_object_or_404(parties_visible_to(request.user), pk=pk)
    return render(
        request,
        "office/party_detail.html",
        {"me": request.member, **party_page_context(request, party, form)},
        status=400 if form else 200,
    )
