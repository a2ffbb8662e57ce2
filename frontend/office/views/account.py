"""The member's own account: profile and photo, the back-office fee and the standing under the demotion policy.
A member restricted by the demotion policy still reaches the profile and the fee."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.commerce.selectors.periods import company_date
from core.commerce.selectors.subscriptions import subscription_attempts_of, subscription_of
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.subscriptions import subscription_card_set, subscription_pay_now
from core.demotion.selectors import member_standing, stage_history
from core.members.services.profiles import member_profile_update
from frontend.common import formatting
from frontend.common.access import office_page
from frontend.common.forms import errors_onto
from frontend.common.paging import paginate
from frontend.common.payments import CardForm, stripe_page, test_cards_enabled
from frontend.office.forms import AvatarForm, OfficeProfileForm


@office_page(restricted_ok=True)
def profile(request):
    """Profile, bio and photo for the replicated site. Two forms: the details and the photo upload."""
    me = request.member
    initial = {name: getattr(me, name) for name in OfficeProfileForm.base_fields}
    form = OfficeProfileForm(initial=initial)
    avatar_form = AvatarForm()
    if request.method == "POST" and "avatar" in request.FILES:
        avatar_form = AvatarForm(request.POST, request.FILES)
        if avatar_form.is_valid():
            try:
                member_profile_update(member=me, changes={"avatar": avatar_form.cleaned_data["avatar"]})
            except ValidationError as exc:
                errors_onto(avatar_form, exc)
            else:
                messages.success(request, _("Your photo is updated."))
                return redirect("office-profile")
    elif request.method == "POST":
        form = OfficeProfileForm(request.POST)
        if form.is_valid():
            try:
                member_profile_update(member=me, changes=form.cleaned_data)
            except ValidationError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("office-profile")
    return render(request, "office/profile.html", {"me": me, "form": form, "avatar_form": avatar_form})


@office_page(restricted_ok=True)
@stripe_page
def subscription(request):
    """The back-office fee: the card on file, the attempts, and paying a past-due fee by hand."""
    me = request.member
    sub = subscription_of(member=me)
    form = CardForm(request.POST or None)
    action = request.POST.get("action")
    form.fields["card"].required = action != "pay"  # paying uses the card on file unless a new one is chosen
    if request.method == "POST" and sub is not None and form.is_valid():
        card = form.cleaned_data.get("card", "")
        try:
            if action == "pay":
                attempt = subscription_pay_now(member=me, payment_method_id=card)
            else:
                subscription_card_set(member=me, payment_method_id=card)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "payment_method" in exc.error_dict:
                exc = ValidationError({"card" if k == "payment_method" else k: v for k, v in exc.error_dict.items()})
            errors_onto(form, exc)
        else:
            if action != "pay":
                messages.success(request, _("Your card is saved."))
            elif attempt.outcome == "paid":
                messages.success(
                    request,
                    _("Thank you: the fee of %(amount)s is paid.") % {"amount": formatting.number(attempt.amount)},
                )
            else:
                messages.error(
                    request,
                    _("The fee was not paid (%(outcome)s): %(reason)s")
                    % {"outcome": attempt.get_outcome_display(), "reason": attempt.message},
                )
            return redirect("office-subscription")
    attempts = subscription_attempts_of(member=me)
    return render(
        request,
        "office/subscription.html",
        {
            "me": me,
            "sub": sub,
            "form": form,
            "fee": commerce_settings_get().subscription_fee,
            "past_due": sub is not None and sub.next_due_on <= company_date(timezone.now()),
            "test_cards": test_cards_enabled(),
            **paginate(request, attempts, 12),
        },
        status=400 if form.errors else 200,
    )


@office_page()
def standing(request):
    """Where the member stands under the demotion policy: stage, why, what lifts it, next stage, history."""
    me = request.member
    history = stage_history(member=me)
    return render(
        request,
        "office/standing.html",
        {"me": me, "standing": member_standing(member=me), **paginate(request, history, 20)},
    )
