"""The console's parties: every consultant's, created for a consultant by number, with their guests' orders (placed
and paid offline in one step, frontend.common.parties)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.commerce.models import PartyStatus
from core.commerce.selectors.parties import parties_visible_in_status, parties_visible_to
from core.commerce.services.parties import party_close, party_create
from core.members.selectors import member_by_number
from frontend.common.access import console_page
from frontend.common.forms import form_status, submit
from frontend.common.paging import paginate
from frontend.common.parties import GuestOrderForm, PartyForm, party_guest_order, party_page_context


def _party_or_404(request, pk: int):
    return get_object_or_404(parties_visible_to(request.user), pk=pk)


@console_page()
def parties(request):
    status = request.GET.get("status", "")
    status = status if status in PartyStatus.values else ""
    found = parties_visible_in_status(request.user, status=status)
    return render(
        request,
        "console/parties.html",
        {"status": status, "statuses": PartyStatus.choices, **paginate(request, found)},
    )


@console_page("parties.write")
def party_new(request):
    form = PartyForm(request.POST or None)

    def call(data):
        fields = dict(data)
        consultant = member_by_number(fields.pop("consultant"))
        if consultant is None:
            raise ValidationError({"consultant": [_("No member has this number.")]})
        return party_create(consultant=consultant, **fields)

    if request.method == "POST" and (created := submit(form, call)):
        party = created.result
        messages.success(request, _("%(party)s is created.") % {"party": party.name})
        return redirect("console-party", pk=party.pk)
    return render(request, "console/party_new.html", {"form": form}, status=form_status(form))


@console_page("parties.write")
def party_detail(request, pk: int):
    party = _party_or_404(request, pk)
    form = None
    if request.method == "POST":
        if request.POST.get("action") == "close":
            party_close(party=party)
            messages.success(request, _("%(party)s is closed.") % {"party": party.name})
            return redirect("console-party", pk=party.pk)
        form = GuestOrderForm(request.POST)
        order = party_guest_order(party=party, form=form, by=request.user)
        if order is not None:
            messages.success(
                request,
                _("Order %(number)s for %(buyer)s is placed.") % {"number": order.number, "buyer": order.buyer_name},
            )
            return redirect("console-party", pk=party.pk)
        party = _party_or_404(request, pk)
    return render(
        request, "console/party_detail.html", party_page_context(request, party, form), status=400 if form else 200
    )
