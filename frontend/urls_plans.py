"""Plans, commission runs, payouts and their reports in the console; earnings in the back office."""

from django.urls import path

from frontend import views_plans as v

urlpatterns = [
    path("console/plans/", v.plan_versions, name="console-plans"),
    path("console/plans/edit/", v.plan_editor, name="console-plan-editor"),
    path("console/plans/<int:number>/", v.plan_version, name="console-plan-version"),
    path("console/commissions/", v.periods, name="console-periods"),
    path("console/commissions/periods/<int:pk>/preview/", v.period_preview, name="console-period-preview"),
    path("console/commissions/runs/<int:pk>/", v.run_detail, name="console-run"),
    path("console/commissions/runs/<int:pk>/progress/", v.run_progress, name="console-run-progress"),
    path("console/commissions/runs/<int:pk>/review/", v.run_review, name="console-run-review"),
    path("console/commissions/runs/<int:pk>/approve/", v.run_approve, name="console-run-approve"),
    path("console/commissions/runs/<int:pk>/post/", v.run_post, name="console-run-post"),
    path("console/commissions/runs/<int:pk>/lines/", v.run_lines, name="console-run-lines"),
    path("console/commissions/runs/<int:pk>/compare/", v.run_compare, name="console-run-compare"),
    path("console/commissions/adjustments/", v.adjustments, name="console-adjustments"),
    path("console/commissions/payouts/", v.payouts, name="console-payouts"),
    path("console/commissions/payouts/<int:pk>/payout.csv", v.payout_csv, name="console-payout-csv"),
    path("console/commissions/payouts/<int:pk>/<slug:action>/", v.payout_action, name="console-payout-action"),
    path("console/reports/commissions/", v.report_commissions, name="console-report-commissions"),
    path("console/reports/ranks/", v.report_ranks, name="console-report-ranks"),
    path("console/reports/income-disclosure/", v.report_income_disclosure, name="console-report-income"),
    path("office/earnings/", v.earnings, name="office-earnings"),
    path("office/earnings/<int:pk>/", v.earnings_period, name="office-earnings-period"),
]
