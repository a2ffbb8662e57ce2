"""The console's view of the back-office fee: every distributor's subscription, counts by status, recent attempts."""

from __future__ import annotations

from django.shortcuts import render

from core.commerce.models import SubscriptionStatus
from core.commerce.selectors.subscriptions import (
    subscription_attempts_recent,
    subscription_status_counts,
    subscriptions_list,
)
from frontend.common.access import console_page
from frontend.common.paging import paginate


@console_page()
def subscriptions(request):
    status = request.GET.get("status", "")
    status = status if status in SubscriptionStatus.values else ""
    counts = subscription_status_counts()
    return render(
        request,
        "console/subscriptions.html",
        {
            "status": status,
            "statuses": SubscriptionStatus.choices,
            "counts": [(label, counts.get(value, 0)) for value, label in SubscriptionStatus.choices],
            "recent": subscription_attempts_recent(limit=20),
            **paginate(request, subscriptions_list(status=status)),
        },
    )
