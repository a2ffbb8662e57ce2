"""The back office's autoships: a distributor manages only their own (anyone else's is a 404, so ids cannot be
probed). Each action posts to one core.commerce service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commerce.gateways.stripe import GatewayError
from core.commerce.models import AutoshipStatus
from core.commerce.selectors.autoship import autoship_items, autoship_runs, autoships_of
from core.commerce.selectors.periods import company_date
from core.commerce.services.autoship import (
    autoship_cancel,
    autoship_create_with_card,
    autoship_pause,
    autoship_resume,
)
from core.commerce.services.orders import LineRequest
from frontend.common import formatting
from frontend.common.access import office_page
from frontend.common.forms import errors_onto
from frontend.common.paging import paginate
from frontend.common.payments import stripe_page, test_cards_enabled
from frontend.office.forms import AutoshipForm

AUTOSHIP_ACTIONS = {"pause": autoship_pause, "resume": autoship_resume, "cancel": autoship_cancel}
AUTOSHIP_DONE = {
    "pause": gettext_lazy("Your autoship is paused."),
    "resume": gettext_lazy("Your autoship is active again."),
    "cancel": gettext_lazy("Your autoship is cancelled."),
}


@office_page()
def autoships(request):
    found = autoships_of(member=request.member)
    return render(request, "office/autoships.html", {"me": request.member, **paginate(request, found)})


@office_page()
@stripe_page
def autoship_new(request):
    """Products, how often and from when, and the card each order is charged to (attached to the member on the
    company's Stripe account before anything is written, so a refused card leaves nothing behind)."""
    me = request.member
    form = AutoshipForm(request.POST or None, today=company_date(timezone.now()))
    if request.method == "POST" and test_cards_enabled() and form.is_valid():
        data = form.cleaned_data
        try:
            autoship = autoship_create_with_card(
                buyer=me,
                items=[LineRequest(sku, quantity) for sku, quantity in data["lines"]],
                first_run_on=data["first_run_on"],
                interval_months=data["interval_months"],
                ship_country=data["ship_country"],
                ship_region=data["ship_region"],
                payment_method_id=data["card"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "payment_method" in exc.error_dict:
                exc = ValidationError({"card" if k == "payment_method" else k: v for k, v in exc.error_dict.items()})
            errors_onto(form, exc)
        except GatewayError as exc:
            form.add_error("card", str(exc))  # a plain sentence (translated); the details are in the log
        else:
            messages.success(
                request,
                _("Your autoship is set up: the first order is placed on %(day)s.")
                % {"day": formatting.day(autoship.next_run_on)},
            )
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
    autoship = get_object_or_404(autoships_of(member=me), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in AUTOSHIP_ACTIONS:
            raise Http404(_("No such action."))
        try:
            AUTOSHIP_ACTIONS[action](autoship=autoship)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, AUTOSHIP_DONE[action])
        return redirect("office-autoship", pk=autoship.pk)
    return render(
        request,
        "office/autoship_detail.html",
        {
            "me": me,
            "autoship": autoship,
            "items": autoship_items(autoship=autoship),
            "can_pause": autoship.status == AutoshipStatus.ACTIVE,
            "can_resume": autoship.status == AutoshipStatus.PAUSED,
            "can_cancel": autoship.status != AutoshipStatus.CANCELLED,
            **paginate(request, autoship_runs(autoship=autoship), 25),
        },
    )
