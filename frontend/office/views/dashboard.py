"""The back office's dashboard: the downline at a glance, this period's volume, standing and news."""

from __future__ import annotations

from django.shortcuts import render

from core.communications.models import Audience
from core.communications.selectors import announcements_for, newsletter_subscribers_count
from core.demotion.selectors import member_standing
from core.members.selectors import customers_count, downline_level_counts, leg_totals
from frontend.common.access import office_page
from plans.selectors_period_figures import member_period_figures

LEVEL_CHART_LEVELS = 12


@office_page()
def dashboard(request):
    me = request.member
    level_counts = downline_level_counts(top=me)
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
            "customers": customers_count(distributor=me),
            "subscribers": newsletter_subscribers_count(distributor=me),
            "announcements": announcements_for(audience=Audience.DISTRIBUTORS)[:3],
            # PV, PSV, CV, GV, rank and progress: the one selector the earnings page and the API read too.
            "figures": member_period_figures(member=me),
            "standing": standing,
        },
    )
