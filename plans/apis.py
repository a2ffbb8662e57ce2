"""Plans over the company API: periods, runs, their lines and ledger, adjustments (staff read, admins write). Beside
it: plan versions (plans.apis_plan_versions), payout batches and the money log (plans.apis_payouts), the
distributor's own earnings, statements and figures (plans.apis_earnings)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.pagination import StandardPagination
from config.api.permissions import HasCapability
from config.api.serializers import MONEY, NUMBER, SIGNED_MONEY, BusinessDateField, Input
from config.converters import BIGINT_MAX
from core.members import selectors as member_selectors
from core.members.models import Member
from plans import (
    selectors,
    selectors_commission_lines,
    selectors_explanations,
    services,
    services_adjustments,
    services_payouts,
    services_posting,
)
from plans.explanations import explanation_text
from plans.leases import run_activity
from plans.models import (
    CommissionPeriod,
    CommissionRun,
    LedgerLine,
    PayoutBatch,
    PlanVersion,
    RunKind,
)
from plans.services_periods import period_close

YEAR_MIN, YEAR_MAX = 2000, 2100  # a year summary outside these is a 404, not a query


def _page(request, view, queryset, serialize):
    paginator = StandardPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serialize(page))


# ---------------------------------------------------------------------------------------------------- serializers


class PeriodOut(serializers.ModelSerializer):
    plan_version = serializers.IntegerField(source="plan_version.number", default=None, read_only=True)

    class Meta:
        model = CommissionPeriod
        fields = ["id", "start", "end", "length", "status", "plan_version", "closed_at", "posted_at", "paid_at"]


class RunOut(serializers.ModelSerializer):
    plan_version = serializers.IntegerField(source="plan_version.number", default=None, read_only=True)
    period_start = serializers.DateField(source="period.start", default=None, read_only=True)
    heartbeat_at = serializers.DateTimeField(source="lease.heartbeat_at", default=None, read_only=True)
    attempt = serializers.IntegerField(source="lease.attempt", default=0, read_only=True)
    activity = serializers.SerializerMethodField(help_text='What a worker is doing now ("" when nothing).')

    class Meta:
        model = CommissionRun
        fields = [
            "id", "period", "period_start", "plan_version", "kind", "status", "progress", "progress_note", "error",
            "total_paid", "total_forfeited", "total_cv", "payout_ratio", "member_count", "line_count", "generated",
            "created_at", "started_at", "finished_at", "approved_at", "posted_at", "activity", "heartbeat_at",
            "attempt",
        ]  # fmt: skip

    def get_activity(self, run: CommissionRun) -> str:
        return run_activity(run=run)


class LedgerLineOut(serializers.ModelSerializer):
    payee_number = serializers.IntegerField(source="payee.number", default=None, read_only=True)
    period_start = serializers.DateField(source="period.start", read_only=True)
    explanation = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    created_by = serializers.EmailField(source="created_by.email", default=None, read_only=True)

    class Meta:
        model = LedgerLine
        fields = [
            "id", "kind", "period", "period_start", "run", "payee_number", "amount", "component", "rule",
            "level_raw", "level_compressed", "rate", "basis", "explanation", "text", "reason", "created_by",
            "created_at",
        ]  # fmt: skip

    @extend_schema_field(serializers.JSONField())
    def get_explanation(self, line: LedgerLine) -> dict:
        return self.context["explanations"][line.pk]

    def get_text(self, line: LedgerLine) -> str:
        ranks = self.context.get("rank_codes", {}).get(line.run_id)
        return explanation_text(self.context["explanations"][line.pk], ranks)


def _ledger_out(lines) -> list:
    lines = list(lines)
    runs = {line.run_id for line in lines if line.run_id}
    ranks = selectors.commission_run_rank_codes(run_ids=runs)
    explanations = dict(
        zip((line.pk for line in lines), selectors_explanations.ledger_explanations(lines), strict=True)
    )
    return LedgerLineOut(lines, many=True, context={"rank_codes": ranks, "explanations": explanations}).data


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class RunTotalsOut(serializers.Serializer):
    run = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    status = serializers.CharField()
    total_paid = _money()
    total_cv = _money()
    payout_ratio = serializers.DecimalField(max_digits=8, decimal_places=4)
    by_component = serializers.DictField(child=serializers.CharField())
    by_rank = serializers.DictField(child=serializers.CharField())


class RunChangeOut(serializers.Serializer):
    total_paid = _money()
    total_paid_percent = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    payout_ratio = serializers.DecimalField(max_digits=8, decimal_places=4)
    by_component = serializers.DictField(child=serializers.CharField())
    by_rank = serializers.DictField(child=serializers.CharField())


class PayoutCurrencyOut(serializers.Serializer):
    currency = serializers.CharField(help_text="What these members are paid in (their market's currency).")
    payees = serializers.IntegerField()
    base_total = _money(help_text="What they are paid, in the batch's (base) currency.")
    paid_total = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="What they receive.")


class PayoutBatchOut(serializers.ModelSerializer):
    period_start = serializers.DateField(
        source="period.start", default=None, read_only=True, help_text="The batch pays balances up to this period."
    )
    by_currency = serializers.SerializerMethodField(help_text="Totals by the currency the members are paid in.")

    class Meta:
        model = PayoutBatch
        fields = [
            "id", "period", "period_start", "threshold", "status", "total", "item_count", "currency", "by_currency",
            "created_at", "paid_at",
        ]  # fmt: skip

    @extend_schema_field(PayoutCurrencyOut(many=True))
    def get_by_currency(self, batch: PayoutBatch) -> list:
        return PayoutCurrencyOut(selectors.payout_batch_currencies(batch=batch), many=True).data


class Confirmed(Input):
    """A money action is confirmed by the total the client showed: a different total answers 409."""

    expected_total = serializers.DecimalField(
        **MONEY, help_text="The total the user confirmed; the action is refused (409) if it would move another."
    )


# ---------------------------------------------------------------------------------------------------- periods, runs


class PeriodListApi(APIView):
    permission_classes = [HasCapability("commissions.run", read="console.read")]

    class InputSerializer(Input):
        day = BusinessDateField(help_text="Any day of the period.")

    @extend_schema(responses=PeriodOut(many=True))
    def get(self, request):
        periods = selectors.commission_periods_with_version()
        return _page(request, self, periods, lambda page: PeriodOut(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: PeriodOut})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        period = services.period_get_or_create(day=data.validated_data["day"])
        return Response(PeriodOut(period).data, status=status.HTTP_201_CREATED)


class PeriodCloseApi(APIView):
    permission_classes = [HasCapability("commissions.run")]

    @extend_schema(request=None, responses=PeriodOut)
    def post(self, request, period_id: int):
        """Close the period for new volume (once its last day is over): orders paid later count in the next open
        period, and its run may then be posted."""
        period = get_object_or_404(selectors.commission_periods(), pk=period_id)
        return Response(PeriodOut(period_close(period=period, by=request.user)).data)


class PeriodPreviewApi(APIView):
    permission_classes = [HasCapability("commissions.run")]

    @extend_schema(request=None, responses={202: RunOut})
    def post(self, request, period_id: int):
        """Queue a preview (a Celery task); poll the run for progress."""
        period = get_object_or_404(CommissionPeriod, pk=period_id)
        run = services.run_preview_request(period=period, by=request.user)
        return Response(RunOut(run).data, status=status.HTTP_202_ACCEPTED)


class RunListApi(APIView):
    permission_classes = [HasCapability("commissions.run", read="console.read")]

    @extend_schema(
        parameters=[OpenApiParameter("period", int), OpenApiParameter("kind", enum=RunKind.values)],
        responses=RunOut(many=True),
    )
    def get(self, request):
        period = request.query_params.get("period")
        runs = selectors.commission_runs_search(
            period_id=_int(period, "period") if period else None, kind=request.query_params.get("kind", "")
        )
        return _page(request, self, runs, lambda page: RunOut(page, many=True).data)


def _int(value: str, field: str) -> int:
    """A query parameter that names a number or id: a whole number within bigint range, or a 400 naming it."""
    try:
        number = int(value)
    except ValueError:
        raise ValidationError({field: [gettext("A whole number.")]}) from None
    if not 1 <= number <= BIGINT_MAX:
        raise ValidationError(
            {field: [gettext("A whole number from 1 to %(bigint_max)s.") % {"bigint_max": BIGINT_MAX}]}
        )
    return number


def _run(run_id: int) -> CommissionRun:
    return get_object_or_404(selectors.commission_runs_search(), pk=run_id)


class RunDetailApi(APIView):
    permission_classes = [HasCapability(read="console.read")]

    @extend_schema(responses=RunOut)
    def get(self, request, run_id: int):
        return Response(RunOut(_run(run_id)).data)


class RunReviewApi(APIView):
    permission_classes = [HasCapability(read="console.read")]

    class OutputSerializer(RunTotalsOut):
        class Earner(serializers.Serializer):
            number = serializers.IntegerField(allow_null=True)
            name = serializers.CharField()
            earned = _money()

        period_start = serializers.DateField(allow_null=True)
        total_forfeited = _money()
        forfeited_by_reason = serializers.DictField(child=serializers.CharField())
        members_by_rank = serializers.DictField(child=serializers.IntegerField())
        member_count = serializers.IntegerField()
        paid_members = serializers.IntegerField()
        line_count = serializers.IntegerField()
        top_earners = Earner(many=True)
        previous = RunTotalsOut(allow_null=True)
        change = RunChangeOut(allow_null=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request, run_id: int):
        """Total paid, payout ratio, by rank and bonus, top earners, change against the previous period."""
        return Response(self.OutputSerializer(selectors.run_review(run=_run(run_id))).data)


class RunApproveApi(APIView):
    permission_classes = [HasCapability("commissions.approve")]

    @extend_schema(request=Confirmed, responses=RunOut)
    def post(self, request, run_id: int):
        """Approve the preview whose total paid is ``expected_total`` (409 if it is not)."""
        run = _run(run_id)  # another company's run is not found, whatever the body says
        data = Confirmed(data=request.data)
        data.is_valid(raise_exception=True)
        run = services_posting.run_approve(run=run, by=request.user, **data.validated_data)
        return Response(RunOut(run).data)


class RunPostApi(APIView):
    permission_classes = [HasCapability("commissions.approve")]

    @extend_schema(request=Confirmed, responses={202: RunOut})
    def post(self, request, run_id: int):
        """Queue the posting of the approved run whose total is ``expected_total`` (409 if not). Once: a posted
        period answers 400; so does an open one (close it first). Poll the run."""
        run = _run(run_id)  # another company's run is not found, whatever the body says
        data = Confirmed(data=request.data)
        data.is_valid(raise_exception=True)
        run = services_posting.run_post_request(run=run, by=request.user, **data.validated_data)
        return Response(RunOut(run).data, status=status.HTTP_202_ACCEPTED)


class RunPayoutApi(APIView):
    permission_classes = [HasCapability("payouts.write")]

    class InputSerializer(Confirmed):
        threshold = serializers.DecimalField(**MONEY)

    @extend_schema(request=InputSerializer, responses={201: PayoutBatchOut})
    def post(self, request, run_id: int):
        """A payout batch after posting: what is unpaid of each member's ledger lines up to this run's period, when
        at or above the threshold. ``expected_total`` must equal the batch's total (409 otherwise, naming it)."""
        run = _run(run_id)
        if run.status != "posted":
            raise ValidationError({"run": [gettext("Only a posted run's period can be paid out.")]})
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services_payouts.payout_batch_create(period=run.period, by=request.user, **data.validated_data)
        return Response(PayoutBatchOut(batch).data, status=status.HTTP_201_CREATED)


class RunLinesApi(APIView):
    permission_classes = [HasCapability(read="console.read")]

    class OutputSerializer(serializers.Serializer):
        line_no = serializers.IntegerField()
        payee_number = serializers.IntegerField(allow_null=True)
        amount = _money()
        paid = serializers.BooleanField()
        explanation = serializers.JSONField()
        text = serializers.CharField()

    @extend_schema(
        parameters=[OpenApiParameter("member", int, description="Payee's member number"),
                    OpenApiParameter("paid", bool, description="Only paid lines (no forfeits)")],
        responses=OutputSerializer(many=True),
    )  # fmt: skip
    def get(self, request, run_id: int):
        """Every computed line of a run (paid and forfeited) with its explanation in words."""
        run = _run(run_id)
        member = None
        if number := request.query_params.get("member"):
            member = get_object_or_404(Member, number=_int(number, "member"))
        lines = selectors_commission_lines.run_lines(
            run=run, member=member, paid_only=request.query_params.get("paid") == "true"
        )
        explained = selectors_explanations.run_lines_explained
        return _page(
            request, self, lines, lambda page: self.OutputSerializer(explained(run=run, lines=page), many=True).data
        )


class RunLedgerApi(APIView):
    permission_classes = [HasCapability(read="console.read")]

    @extend_schema(responses=LedgerLineOut(many=True))
    def get(self, request, run_id: int):
        """The posted ledger lines a run wrote (commissions and the clawbacks it took)."""
        return _page(request, self, selectors_commission_lines.ledger_lines(run=_run(run_id)), _ledger_out)


class SimulationApi(APIView):
    permission_classes = [HasCapability("plans.write")]

    class InputSerializer(Input):
        period = serializers.IntegerField(**NUMBER, required=False, help_text="A past period (real data)")
        plan_version = serializers.IntegerField(**NUMBER, required=False)
        document = serializers.JSONField(required=False, help_text="An unsaved draft")
        generated = serializers.JSONField(required=False, help_text='{"members": 10000, "seed": 1}')

    @extend_schema(request=InputSerializer, responses={202: RunOut})
    def post(self, request):
        """Queue a what-if run (nothing posted); read the comparison at runs/<id>/compare/ when done."""
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        period = get_object_or_404(CommissionPeriod, pk=values["period"]) if "period" in values else None
        version = get_object_or_404(PlanVersion, pk=values["plan_version"]) if "plan_version" in values else None
        run = services.run_simulation_request(
            period=period, version=version, document=values.get("document"), generated=values.get("generated"),
            by=request.user,
        )  # fmt: skip
        return Response(RunOut(run).data, status=status.HTTP_202_ACCEPTED)


class RunCompareApi(APIView):
    permission_classes = [HasCapability(read="console.read")]

    class OutputSerializer(serializers.Serializer):
        simulation = RunTotalsOut()
        actual = RunTotalsOut(allow_null=True)
        difference = RunChangeOut(allow_null=True)
        baseline_missing = serializers.BooleanField(
            help_text="A generated-company simulation finished before baselines were stored: nothing to compare."
        )

    @extend_schema(responses=OutputSerializer)
    def get(self, request, run_id: int):
        """A simulation (or any run) against the period's actual run: total, payout ratio, by rank and bonus."""
        run = _run(run_id)
        if run.status not in ("done", "approved", "posted"):
            raise ValidationError(
                {"run": [gettext("The run is %(status)s; compare when it is done.") % {"status": run.status}]}
            )
        return Response(self.OutputSerializer(selectors.simulation_compare(run=run)).data)


# ---------------------------------------------------------------------------------------------------- ledger


class AdjustmentListApi(APIView):
    permission_classes = [HasCapability("commissions.adjust", read="console.read")]

    class InputSerializer(Input):
        member = serializers.IntegerField(**NUMBER, help_text="Member number")
        amount = serializers.DecimalField(**SIGNED_MONEY, help_text="Negative for a clawback.")
        reason = serializers.CharField(max_length=500)
        period = serializers.IntegerField(**NUMBER, required=False)

    @extend_schema(responses=LedgerLineOut(many=True))
    def get(self, request):
        return _page(request, self, selectors.adjustments_list(), _ledger_out)

    @extend_schema(request=InputSerializer, responses={201: LedgerLineOut})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        member = member_selectors.member_by_number(values["member"])
        if member is None:
            raise ValidationError(
                {"member": [gettext("No member has the number %(member)s.") % {"member": values["member"]}]}
            )
        period = get_object_or_404(CommissionPeriod, pk=values["period"]) if "period" in values else None
        line = services_adjustments.ledger_adjust(
            member=member, amount=values["amount"], reason=values["reason"], period=period, by=request.user
        )
        return Response(_ledger_out([line])[0], status=status.HTTP_201_CREATED)
