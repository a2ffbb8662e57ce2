"""The back office's autoships and parties: a distributor manages only their own (anyone else's is a 404, so ids
cannot be probed). Each action posts to one core.commerce service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from core.commerce.autoship import (
    autoship_cancel,
    autoship_card_prepare,
    autoship_create,
    autoship_pause,
    autoship_resume,
)
from core.commerce.models import Autoship, AutoshipRun, AutoshipStatus
from core.commerce.periods import company_date
from core.commerce.selectors import parties_visible_to
from core.commerce.services import LineRequest, party_close, party_create
from core.commerce.stripe_gateway import GatewayError
from frontend.access import office_page
from frontend.console_ops import party_guest_order, party_page_context
from frontend.forms import errors_onto
from frontend.forms_ops import AutoshipForm, GuestOrderForm, OwnPartyForm
from frontend.paging import paginate
from frontend.payments import test_cards_enabled

AUTOSHIP_ACTIONS = {"pause": autoship_pause, "resume": autoship_resume, "cancel": autoship_cancel}
AUTOSHIP_DONE = {"pause": "paused", "resume": "active again", "cancel": "cancelled"}

# ---------------------------------------------------------------------------------------------------- autoships


def _own_autoships(member):
    return Autoship.objects.filter(member=member).prefetch_related("items__product").order_by("-id")


@office_page()
def autoships(request):
    return render(
        request, "office/autoships.html", {"me": request.member, **paginate(request, _own_autoships(request.member))}
    )


@office_page()
def autoship_new(request):
    """Products, how often and from when, and the card each order is charged to (attached to the member on the
    company's Stripe account before anything is written, so a refused card leaves nothing behind)."""
    me = request.member
    form = AutoshipForm(request.POST or None, today=company_date(timezone.now()))
    created = {}
    if request.method == "POST" and test_cards_enabled() and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                card = autoship_card_prepare(buyer=me, payment_method_id=data["card"])
                created["autoship"] = autoship_create(
                    member=me,
                    items=[LineRequest(sku, quantity) for sku, quantity in data["lines"]],
                    first_run_on=data["first_run_on"],
                    interval_months=data["interval_months"],
                    ship_country=data["ship_country"],
                    ship_region=data["ship_region"],
                    **card,
                )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "payment_method" in exc.error_dict:
                exc = ValidationError({"card" if k == "payment_method" else k: v for k, v in exc.error_dict.items()})
            errors_onto(form, exc)
        except GatewayError as exc:
            form.add_error("card", f"Stripe refused: {exc}")
        else:
            autoship = created["autoship"]
            messages.success(request, f"Your autoship is set up: the first order is placed on {autoship.next_run_on}.")
            return redirect("office-autoship", pk=autoship.pk)
    return render(
        request,
        "office/autoship_new.html",
        {"me": me, "form": form, "test_cards": test_cards_enabled()},
        status=400 if form.errors else 200,
    )


@office_page()
def autoship_detail(request, pk: int):
    me = request.member
    autoship = get_object_or_404(_own_autoships(me), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in AUTOSHIP_ACTIONS:
            raise Http404("No such action.")
        try:
            AUTOSHIP_ACTIONS[action](autoship=autoship)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"Your autoship is {AUTOSHIP_DONE[action]}.")
        return redirect("office-autoship", pk=autoship.pk)
    runs = AutoshipRun.objects.filter(autoship=autoship).select_related("order").order_by("-run_on", "-id")
    return render(
        request,
        "office/autoship_detail.html",
        {
            "me": me,
            "autoship": autoship,
            "items": autoship.items.select_related("product").order_by("id"),
            "can_pause": autoship.status == AutoshipStatus.ACTIVE,
            "can_resume": autoship.status == AutoshipStatus.PAUSED,
            "can_cancel": autoship.status != AutoshipStatus.CANCELLED,
            **paginate(request, runs, 25),
        },
    )


# ---------------------------------------------------------------------------------------------------- parties


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
            messages.success(request, f"{party.name} is created. Add your guests' orders here.")
            return redirect("office-party", pk=party.pk)
    return render(request, "office/party_new.html", {"me": me, "form": form}, status=400 if form.errors else 200)


@office_page()
def party_detail(request, pk: int):
    party = get_object_or_404(parties_visible_to(request.user), pk=pk)
    form = None
    if request.method == "POST":
        if request.POST.get("action") == "close":
            party_close(party=party)
            messages.success(request, f"{party.name} is closed.")
            return redirect("office-party", pk=party.pk)
        form = GuestOrderForm(request.POST)
        if party_guest_order(request, party, form):
            messages.success(request, f"Order {form.order.number} for {form.order.buyer_name} is placed.")
            return redirect("office-party", pk=party.pk)
        party = get_object_or_404(parties_visible_to(request.user), pk=pk)
    return render(
        request,
        "office/party_detail.html",
        {"me": request.member, **party_page_context(request, party, form)},
        status=400 if form else 200,
    )
