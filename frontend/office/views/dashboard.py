"""The back office's dashboard: the downline at a glance, this period's volume, standing and news."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from core.commerce.selectors.periods import company_date, period_end_for, period_start_for
from core.commerce.selectors.volume import member_volumes
from core.communications.models import Audience
from core.communications.selectors import announcements_for, newsletter_subscribers_count
from core.demotion.selectors import member_standing
from core.members.models import Member
from core.members.selectors import customers_count, downline_level_counts, leg_totals
from frontend.common.access import office_page

LEVEL_CHART_LEVELS = 12


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
            "customers": customers_count(distributor=me),
            "subscribers": newsletter_subscribers_count(distributor=me),
            "announcements": announcements_for(audience=Audience.DISTRIBUTORS)[:3],
            "period_start": period_start,
            "period_end": period_end,
            "volume": volume,
            "standing": standing,
        },
    )
