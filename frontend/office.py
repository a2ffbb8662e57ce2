"""The distributor's back office (/office/). Every page reads through selectors that keep a distributor inside
their own downline; a member restricted by the demotion policy reaches only the profile (and, with commerce, the
payment) pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from core.commerce.models import BackOfficeSubscription, SubscriptionAttempt
from core.commerce.periods import company_date, period_end_for, period_start_for
from core.commerce.selectors import member_volumes, orders_visible_to
from core.commerce.services import commerce_settings_get
from core.commerce.subscriptions import subscription_card_set, subscription_pay_now
from core.communications.models import Audience
from core.communications.selectors import announcements_for, newsletter_subscribers, training_materials
from core.demotion.models import StageTransition
from core.demotion.selectors import member_standing
from core.members.models import Member, MemberStatus, PlacementMethod, Tree
from core.members.placement import genealogy_settings_get
from core.members.selectors import (
    children_with_counts,
    customers_of,
    downline,
    downline_count,
    downline_level_counts,
    downline_search,
    leg_totals,
    member_by_number,
    visible_or_denied,
)
from core.members.services import member_profile_update
from frontend.access import office_page
from frontend.forms import AvatarForm, CardForm, ProfileForm, errors_onto
from frontend.genealogy import binary_subtree
from frontend.paging import paginate
from frontend.payments import test_cards_enabled

LEVEL_CHART_LEVELS = 12


def _tree_param(request) -> str:
    return Tree.PLACEMENT if request.GET.get("tree") == Tree.PLACEMENT else Tree.SPONSOR


def _visible_member(viewer: Member, number: int) -> Member:
    member = member_by_number(number)
    if member is None:
        raise Http404("No such member.")
    visible_or_denied(viewer=viewer, member=member)
    return member


def _current_volume(me: Member):
    """This period's PV/PSV/CV row (None before the member's first paid order of the period)."""
    start = period_start_for(company_date(timezone.now()))
    latest = next(iter(member_volumes(member_id=me.pk, limit=1)), None)
    return start, period_end_for(start), latest if latest is not None and latest.period_start == start else None


@office_page()
def dashboard(request):
    me = request.member
    level_counts = downline_level_counts(top=me)
    period_start, period_end, volume = _current_volume(me)
    standing = member_standing(member=me)
    return render(
        request,
        "office/dashboard.html",
        {
            "me": me,
            "downline_total": sum(count for _, count in level_counts),
            "frontline": next((count for level, count in level_counts if level == 1), 0),
            "level_counts": level_counts[:LEVEL_CHART_LEVELS],
            "deeper_levels": max(len(level_counts) - LEVEL_CHART_LEVELS, 0),
            "legs": leg_totals(top=me)[:10],
            "customers": customers_of(distributor=me).count(),
            "subscribers": newsletter_subscribers(distributor=me, subscribed_only=True).count(),
            "announcements": announcements_for(audience=Audience.DISTRIBUTORS)[:3],
            "period_start": period_start,
            "period_end": period_end,
            "volume": volume,
            "standing": standing,
        },
    )


@office_page()
def genealogy_tree(request):
    """The expandable tree: the distributor and their frontline; deeper levels load on demand (htmx)."""
    me = request.member
    tree = _tree_param(request)
    return render(
        request,
        "office/genealogy_tree.html",
        {
            "me": me,
            "tree": tree,
            "children": children_with_counts(parent=me, tree=tree),
            "binary": genealogy_settings_get().placement_method != PlacementMethod.UNILEVEL,
            "placement_method": genealogy_settings_get().placement_method,
        },
    )


@office_page()
def genealogy_children(request, number: int):
    """One member's frontline, as list items for the expandable tree (or a full page without htmx)."""
    tree = _tree_param(request)
    parent = _visible_member(request.member, number)
    context = {
        "parent": parent,
        "children": children_with_counts(parent=parent, tree=tree),
        "tree": tree,
        "placement_method": genealogy_settings_get().placement_method,
    }
    if request.headers.get("HX-Request"):
        return render(request, "office/_tree_children.html", context)
    return render(request, "office/genealogy_children.html", context)


@office_page()
def genealogy_levels(request):
    """The downline as a list by level, filtered by level, status and a search, 50 to a page."""
    me = request.member
    tree = _tree_param(request)
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    status = status if status in MemberStatus.values else ""
    level = request.GET.get("level", "")
    level = int(level) if level.isdigit() and int(level) > 0 else None
    if query:
        members = downline_search(top=me, query=query, tree=tree)
        top_depth = me.placement_depth if tree == Tree.PLACEMENT else me.sponsor_depth
        members = [(m, (m.placement_depth if tree == Tree.PLACEMENT else m.sponsor_depth) - top_depth) for m in members]
        if status:
            members = [(m, lv) for m, lv in members if m.status == status]
        if level:
            members = [(m, lv) for m, lv in members if lv == level]
    else:
        queryset = downline(top=me, tree=tree, max_levels=level, status=status or None)
        if level:
            queryset = queryset.filter(level=level)
        members = queryset
    context = {
        "me": me,
        "tree": tree,
        "q": query,
        "status": status,
        "level": level or "",
        "statuses": MemberStatus.choices,
        "searching": bool(query),
        **paginate(request, members),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "level-results":
        return render(request, "office/_level_results.html", context)
    return render(request, "office/genealogy_levels.html", context)


@office_page()
def genealogy_binary(request):
    """The placement tree as left/right slots, three levels from the distributor (or from a member under them)."""
    if genealogy_settings_get().placement_method != PlacementMethod.BINARY:
        raise Http404("This company does not place members in a binary tree.")
    me = request.member
    top = me
    if request.GET.get("top", "").isdigit():
        top = _visible_member(me, int(request.GET["top"]))
    return render(request, "office/genealogy_binary.html", {"me": me, "top": top, "root": binary_subtree(top=top)})


@office_page()
def member_detail(request, number: int):
    me = request.member
    member = _visible_member(me, number)
    sponsor = member.sponsor
    return render(
        request,
        "office/member_detail.html",
        {
            "me": me,
            "member": member,
            "sponsor": sponsor,
            "level": member.sponsor_depth - me.sponsor_depth,
            "frontline": children_with_counts(parent=member).count(),
            "downline_total": downline_count(top=member),
        },
    )


@office_page()
def customers(request):
    return render(
        request,
        "office/customers.html",
        {"me": request.member, **paginate(request, customers_of(distributor=request.member))},
    )


@office_page()
def subscribers(request):
    return render(
        request,
        "office/subscribers.html",
        {"me": request.member, **paginate(request, newsletter_subscribers(distributor=request.member))},
    )


@office_page()
def announcements(request):
    return render(
        request,
        "office/announcements.html",
        {"me": request.member, **paginate(request, announcements_for(audience=Audience.DISTRIBUTORS), 20)},
    )


@office_page()
def training(request):
    return render(request, "office/training.html", {"me": request.member, "materials": training_materials()})


@office_page(restricted_ok=True)
def profile(request):
    """Profile, bio and photo for the replicated site. Two forms: the details and the photo upload."""
    me = request.member
    initial = {name: getattr(me, name) for name in ProfileForm.base_fields}
    form = ProfileForm(initial=initial)
    avatar_form = AvatarForm()
    if request.method == "POST" and "avatar" in request.FILES:
        avatar_form = AvatarForm(request.POST, request.FILES)
        if avatar_form.is_valid():
            try:
                member_profile_update(member=me, changes={"avatar": avatar_form.cleaned_data["avatar"]})
            except ValidationError as exc:
                errors_onto(avatar_form, exc)
            else:
                messages.success(request, "Your photo is updated.")
                return redirect("office-profile")
    elif request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                member_profile_update(member=me, changes=form.cleaned_data)
            except ValidationError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, "Your profile is saved.")
                return redirect("office-profile")
    return render(request, "office/profile.html", {"me": me, "form": form, "avatar_form": avatar_form})


# ---------------------------------------------------------------------------------------------------- commerce


@office_page()
def orders(request):
    """The distributor's own orders and the orders credited to them (their customers', their parties')."""
    me = request.member
    found = orders_visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind == "mine":
        found = found.filter(buyer_member=me)
    elif kind == "customers":
        found = found.filter(credited_member=me).filter(~Q(buyer_member=me) | Q(buyer_member__isnull=True))
    else:
        kind = ""
    return render(
        request,
        "office/orders.html",
        {"me": me, "kind": kind, **paginate(request, found.order_by("-placed_at", "-id"), 25)},
    )


@office_page()
def order_detail(request, number: int):
    order = (
        orders_visible_to(request.user)
        .filter(number=number)
        .select_related("coupon")
        .prefetch_related("lines", "payments", "refunds")
        .first()
    )
    if order is None:
        raise Http404("No such order.")
    return render(request, "office/order_detail.html", {"me": request.member, "order": order})


@office_page(restricted_ok=True)
def subscription(request):
    """The back-office fee: the card on file, the attempts, and paying a past-due fee by hand."""
    me = request.member
    sub = BackOfficeSubscription.objects.filter(member=me).first()
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
            errors_onto(form, exc)
        else:
            if action != "pay":
                messages.success(request, "Your card is saved.")
            elif attempt.outcome == "paid":
                messages.success(request, f"Thank you: the fee of {attempt.amount} is paid.")
            else:
                messages.error(
                    request, f"The fee was not paid ({attempt.get_outcome_display()}: {attempt.message})."
                )
            return redirect("office-subscription")
    attempts = SubscriptionAttempt.objects.filter(member=me).order_by("-attempted_at", "-id")
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
    history = StageTransition.objects.filter(member=me).order_by("-day", "-id")
    return render(
        request,
        "office/standing.html",
        {"me": me, "standing": member_standing(member=me), **paginate(request, history, 20)},
    )
