"""The distributor's customers and newsletter subscribers, and the company's announcements and training."""

from __future__ import annotations

from django.shortcuts import render

from core.communications.models import Audience
from core.communications.selectors import announcements_for, newsletter_subscribers, training_materials
from core.members.selectors import customers_of
from frontend.common.access import office_page
from frontend.common.paging import paginate


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
