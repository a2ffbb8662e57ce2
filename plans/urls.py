from django.urls import path

import config.converters  # noqa: F401 - the <id:…> path converter
from plans import apis, apis_earnings, apis_payouts, apis_plan_versions, apis_rates, genealogy_apis

urlpatterns = [
    path("plan-versions/", apis_plan_versions.PlanVersionListApi.as_view(), name="plan-version-list"),
    path("plan-versions/validate/", apis_plan_versions.PlanValidateApi.as_view(), name="plan-version-validate"),
    path(
        "plan-versions/<id:version_id>/", apis_plan_versions.PlanVersionDetailApi.as_view(), name="plan-version-detail"
    ),
    path(
        "plan-versions/<id:version_id>/activate/",
        apis_plan_versions.PlanVersionActivateApi.as_view(),
        name="plan-version-activate",
    ),
    path("commission-periods/", apis.PeriodListApi.as_view(), name="commission-period-list"),
    path("commission-periods/<id:period_id>/close/", apis.PeriodCloseApi.as_view(), name="commission-period-close"),
    path("commission-periods/<id:period_id>/preview/", apis.PeriodPreviewApi.as_view(), name="commission-preview"),
    path("commission-runs/", apis.RunListApi.as_view(), name="commission-run-list"),
    path("commission-runs/<id:run_id>/", apis.RunDetailApi.as_view(), name="commission-run-detail"),
    path("commission-runs/<id:run_id>/review/", apis.RunReviewApi.as_view(), name="commission-run-review"),
    path("commission-runs/<id:run_id>/approve/", apis.RunApproveApi.as_view(), name="commission-run-approve"),
    path("commission-runs/<id:run_id>/post/", apis.RunPostApi.as_view(), name="commission-run-post"),
    path("commission-runs/<id:run_id>/payout/", apis.RunPayoutApi.as_view(), name="commission-run-payout"),
    path("commission-runs/<id:run_id>/exchange-rates/", apis_rates.RunRatesApi.as_view(), name="commission-run-rates"),
    path(
        "commission-runs/<id:run_id>/exchange-rates/import/",
        apis_rates.RunRatesImportApi.as_view(),
        name="commission-run-rates-import",
    ),
    path("commission-runs/<id:run_id>/lines/", apis.RunLinesApi.as_view(), name="commission-run-lines"),
    path("commission-runs/<id:run_id>/ledger/", apis.RunLedgerApi.as_view(), name="commission-run-ledger"),
    path("commission-runs/<id:run_id>/compare/", apis.RunCompareApi.as_view(), name="commission-run-compare"),
    path("commission-simulations/", apis.SimulationApi.as_view(), name="commission-simulation"),
    path("ledger-adjustments/", apis.AdjustmentListApi.as_view(), name="ledger-adjustment-list"),
    path("payout-batches/", apis_payouts.PayoutBatchListApi.as_view(), name="payout-batch-list"),
    path("payout-batches/<id:batch_id>/csv/", apis_payouts.PayoutBatchCsvApi.as_view(), name="payout-batch-csv"),
    path("payout-batches/<id:batch_id>/paid/", apis_payouts.PayoutBatchPaidApi.as_view(), name="payout-batch-paid"),
    path("money-audit/", apis_payouts.MoneyAuditApi.as_view(), name="money-audit"),
    path("earnings/", apis_earnings.EarningsApi.as_view(), name="earnings"),
    path("genealogy/<id:number>/children/", genealogy_apis.GenealogyChildrenApi.as_view(), name="genealogy-children"),
    path("genealogy/<id:number>/search/", genealogy_apis.GenealogySearchApi.as_view(), name="genealogy-search"),
    path("genealogy/<id:number>/binary/", genealogy_apis.GenealogyBinaryApi.as_view(), name="genealogy-binary"),
    path("earnings/figures/", apis_earnings.FiguresApi.as_view(), name="earnings-figures"),
    path("earnings/<id:period_id>/", apis_earnings.EarningsPeriodApi.as_view(), name="earnings-period"),
    path("earnings/<id:period_id>/statement/", apis_earnings.EarningsStatementApi.as_view(), name="earnings-statement"),
    path(
        "earnings/years/<int:year>/summary/",
        apis_earnings.EarningsYearSummaryApi.as_view(),
        name="earnings-year-summary",
    ),
]
