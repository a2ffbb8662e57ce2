"""Where a person lands after signing in, and a customer's own orders."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from core.accounts.adapter import landing_url_for
from core.accounts.selectors import actor_for
from core.commerce.selectors.orders import orders_visible_to
from frontend.common.paging import paginate


@login_required
def after_login(request):
    """One address to land on after signing in (kept for old links): the same rule as the sign-in page."""
    return redirect(landing_url_for(request.user))


@login_required
def customer_orders(request):
    """A customer's home after signing in: their orders, newest first, each opening on the site it was bought on."""
    actor = actor_for(request.user)
    if not actor.is_customer:
        return redirect(landing_url_for(request.user))
    orders = orders_visible_to(request.user).order_by("-placed_at", "-number")
    return render(request, "site/customer_orders.html", {"customer": actor.customer, **paginate(request, orders)})
