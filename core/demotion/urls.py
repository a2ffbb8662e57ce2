from django.urls import path

import config.converters  # noqa: F401 - the <id:…> path converter
from core.demotion import apis

urlpatterns = [
    path("demotion/policy/", apis.PolicyApi.as_view(), name="demotion-policy"),
    path("demotion/policy/templates/", apis.PolicyTemplatesApi.as_view(), name="demotion-policy-templates"),
    path("demotion/preview/", apis.PreviewApi.as_view(), name="demotion-preview"),
    path("demotion/evaluations/", apis.EvaluationApi.as_view(), name="demotion-evaluations"),
    path("demotion/report/", apis.ReportApi.as_view(), name="demotion-report"),
    path("demotion/report/series/", apis.SeriesApi.as_view(), name="demotion-series"),
    path("demotion/notifications/", apis.NotificationListApi.as_view(), name="demotion-notifications"),
    path("demotion/me/", apis.MyStandingApi.as_view(), name="demotion-me"),
    path("demotion/members/<id:number>/", apis.MemberStandingApi.as_view(), name="demotion-member"),
    path("demotion/members/<id:number>/reinstate/", apis.ReinstateApi.as_view(), name="demotion-reinstate"),
]
