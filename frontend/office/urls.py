"""The distributor's back office (/office/)."""

from django.urls import path

import config.converters  # noqa: F401 - the <id:…> path converter
from frontend.office.views import (
    account,
    autoships,
    community,
    dashboard,
    earnings,
    genealogy,
    orders,
    parties,
    webapp,
)

urlpatterns = [
    path("office/", dashboard.dashboard, name="office-home"),
    path("office/genealogy/", genealogy.genealogy_tree, name="office-genealogy"),
    path("office/genealogy/<id:number>/children/", genealogy.genealogy_children, name="office-genealogy-children"),
    path("office/genealogy/levels/", genealogy.genealogy_levels, name="office-levels"),
    path("office/genealogy/levels.csv", genealogy.genealogy_levels_csv, name="office-levels-csv"),
    path("office/genealogy/binary/", genealogy.genealogy_binary, name="office-binary"),
    path("office/members/<id:number>/", genealogy.member_detail, name="office-member"),
    path("office/customers/", community.customers, name="office-customers"),
    path("office/subscribers/", community.subscribers, name="office-subscribers"),
    path("office/announcements/", community.announcements, name="office-announcements"),
    path("office/training/", community.training, name="office-training"),
    path("office/profile/", account.profile, name="office-profile"),
    path("office/orders/", orders.orders, name="office-orders"),
    path("office/orders/<id:number>/", orders.order_detail, name="office-order"),
    path("office/subscription/", account.subscription, name="office-subscription"),
    path("office/standing/", account.standing, name="office-standing"),
    path("office/autoships/", autoships.autoships, name="office-autoships"),
    path("office/autoships/new/", autoships.autoship_new, name="office-autoship-new"),
    path("office/autoships/<id:pk>/", autoships.autoship_detail, name="office-autoship"),
    path("office/parties/", parties.parties, name="office-parties"),
    path("office/parties/new/", parties.party_new, name="office-party-new"),
    path("office/parties/<id:pk>/", parties.party_detail, name="office-party"),
    path("office/earnings/", earnings.earnings, name="office-earnings"),
    path("office/earnings/<id:pk>/", earnings.earnings_period, name="office-earnings-period"),
    path("office/earnings/<id:pk>/statement.pdf", earnings.earnings_statement, name="office-earnings-statement"),
    path("office/earnings/year/<int:year>.pdf", earnings.earnings_year_summary, name="office-earnings-year"),
    path("office/manifest.webmanifest", webapp.manifest, name="office-manifest"),
    path("office/icons/<int:size>.png", webapp.icon, name="office-icon"),
]
