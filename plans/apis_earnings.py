"""The distributor's own earnings over the company API: posted earnings by period and bonus, each line explained,
the statement and year-end summary PDFs (staff may name a member), and the figures of a period."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.serializers import NUMBER, Input
from core.accounts.permissions import has_capability
from core.members import selectors as member_selectors
from core.members.models import Member
from plans import selectors, selectors_commission_lines, selectors_period_figures
from plans.apis import LedgerLineOut, _int, _ledger_out, _page
from plans.models import CommissionPeriod, PeriodStatus
from plans.statements.data import period_statement, year_summary
from plans.statements.notices import statement_filename, year_summary_filename
from plans.statements.render import statement_pdf, year_summary_pdf

YEAR_MIN, YEAR_MAX = 2000, 2100  # a year summary outside these is a 404, not a query


# ---------------------------------------------------------------------------------------------------- distributor


def _me(request) -> Member:
    member = member_selectors.member_for_user(user=request.user)
    if member is None:
        raise PermissionDenied(gettext("Only distributors have earnings."))
    return member


class EarningsApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        class Period(serializers.Serializer):
            period = serializers.IntegerField()
            start = serializers.DateField()
            end = serializers.DateField()
            status = serializers.CharField()
            total = serializers.DecimalField(max_digits=14, decimal_places=2)
            by_bonus = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2))

        number = serializers.IntegerField()
        earned = serializers.DecimalField(max_digits=14, decimal_places=2)
        paid_out = serializers.DecimalField(max_digits=14, decimal_places=2)
        balance = serializers.DecimalField(max_digits=14, decimal_places=2)
        periods = Period(many=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        """The signed-in distributor's posted earnings per period by bonus, and their wallet balance."""
        member = _me(request)
        out = {"number": member.number, **selectors.wallet_balance(member=member),
               "periods": selectors_commission_lines.earnings_by_period(member=member)}  # fmt: skip
        return Response(self.OutputSerializer(out).data)


class EarningsPeriodApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=LedgerLineOut(many=True))
    def get(self, request, period_id: int):
        """Every line paid to the signed-in distributor in a period, each explained in words."""
        member = _me(request)
        period = get_object_or_404(CommissionPeriod, pk=period_id)
        return _page(request, self, selectors_commission_lines.ledger_lines(member=member, period=period), _ledger_out)


# ---------------------------------------------------------------------------------------------------- statements


class StatementQuery(Input, serializers.Serializer):
    """``?member=<number>``: staff may name any member; a distributor only themself (403 for anyone else)."""

    member = serializers.IntegerField(required=False, **NUMBER)


def _statement_member(request) -> Member:
    query = StatementQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    number = query.validated_data.get("member")
    if number is None:
        return _me(request)
    if has_capability(request.user, "console.read"):
        member = member_selectors.member_by_number(number)
        if member is None:
            raise NotFound(_("There is no member %(number)s.") % {"number": number})
        return member
    me = member_selectors.member_for_user(user=request.user)
    if me is None or me.number != number:
        raise PermissionDenied(_("You can download only your own statements."))
    return me


def _pdf(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class EarningsStatementApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("member", int, description="Staff: the member's number (default: yourself).")],
        responses={(200, "application/pdf"): bytes},
    )
    def get(self, request, period_id: int):
        """The commission statement of a posted period as a PDF: totals by bonus, every line, the grand total."""
        member = _statement_member(request)
        periods = selectors.commission_periods(statuses=[PeriodStatus.POSTED, PeriodStatus.PAID])
        period = get_object_or_404(periods, pk=period_id)
        pdf = statement_pdf(period_statement(member=member, period=period))
        return _pdf(pdf, statement_filename(member=member, period=period))


class EarningsYearSummaryApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("member", int, description="Staff: the member's number (default: yourself).")],
        responses={(200, "application/pdf"): bytes},
    )
    def get(self, request, year: int):
        """The year-end earnings summary (tax filing) as a PDF: by month, by bonus, the total and payouts paid."""
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise NotFound(_("There is no earnings summary for that year."))
        member = _statement_member(request)
        pdf = year_summary_pdf(year_summary(member=member, year=year))
        return _pdf(pdf, year_summary_filename(member=member, year=year))


class FiguresApi(APIView):
    """The signed-in distributor's figures of a period: the same selector as the back office's dashboard, earnings
    page and member pages (plans.selectors_period_figures.member_period_figures)."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        number = serializers.IntegerField(source="extra.number")
        period = serializers.IntegerField(source="period.pk", allow_null=True, default=None)
        start = serializers.DateField()
        end = serializers.DateField()
        source = serializers.ChoiceField(
            choices=[selectors_period_figures.LIVE, selectors_period_figures.RUN],
            help_text="live: the open period so far (rank and projection as of `as_of`); run: the posted run's.",
        )
        as_of = serializers.DateTimeField(allow_null=True)
        pv = serializers.DecimalField(max_digits=14, decimal_places=2)
        psv = serializers.DecimalField(max_digits=14, decimal_places=2)
        cv = serializers.DecimalField(max_digits=14, decimal_places=2)
        gv = serializers.DecimalField(max_digits=14, decimal_places=2)
        active = serializers.BooleanField(allow_null=True)
        paid_as_rank = serializers.CharField(source="rank")
        highest_rank = serializers.CharField()
        projected = serializers.DecimalField(
            max_digits=14, decimal_places=2, allow_null=True, help_text="An estimate (open period only)."
        )
        earned = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
        missing = serializers.ListField(child=serializers.CharField(), source="extra.missing")

    @extend_schema(
        parameters=[OpenApiParameter("period", int, description="A commission period id (default: the current one)")],
        responses=OutputSerializer,
    )
    def get(self, request):
        member = _me(request)
        period = None
        if raw := request.query_params.get("period"):
            period = get_object_or_404(CommissionPeriod, pk=_int(raw, "period"))
        figures = selectors_period_figures.member_period_figures(member=member, period=period)
        figures.extra = {"number": member.number, "missing": (figures.progress or {}).get("missing", [])}
        return Response(self.OutputSerializer(figures).data)
