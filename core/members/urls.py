from django.urls import path

import config.converters  # noqa: F401 - the <id:…> path converter
from core.members import apis

urlpatterns = [
    path("members/", apis.MemberListApi.as_view(), name="member-list"),
    path("members/me/", apis.MyMemberApi.as_view(), name="member-me"),
    path("members/<id:number>/", apis.MemberDetailApi.as_view(), name="member-detail"),
    path("members/<id:number>/upline/", apis.UplineApi.as_view(), name="member-upline"),
    path("members/<id:number>/downline/", apis.DownlineApi.as_view(), name="member-downline"),
    path("members/<id:number>/downline/summary/", apis.DownlineSummaryApi.as_view(), name="member-downline-summary"),
    path("members/<id:number>/history/", apis.MemberHistoryApi.as_view(), name="member-history"),
    path("members/<id:number>/responsor/", apis.ResponsorApi.as_view(), name="member-responsor"),
    path("members/<id:number>/replace/", apis.ReplaceApi.as_view(), name="member-replace"),
    path("members/<id:number>/frontline-up/", apis.FrontlineUpApi.as_view(), name="member-frontline-up"),
    path("members/<id:number>/place/", apis.PlaceFromTankApi.as_view(), name="member-place"),
    path("members/<id:number>/status/", apis.MemberStatusApi.as_view(), name="member-status"),
    path("members/import/", apis.ImportApi.as_view(), name="member-import"),
    path("members/export/", apis.ExportApi.as_view(), name="member-export"),
    path("moves/", apis.MoveListApi.as_view(), name="move-list"),
    path("moves/<id:move_id>/undo/", apis.MoveUndoApi.as_view(), name="move-undo"),
    path("genealogy/settings/", apis.GenealogySettingsApi.as_view(), name="genealogy-settings"),
    path("join/<str:username>/", apis.JoinApi.as_view(), name="join"),
    path("customers/", apis.CustomerListApi.as_view(), name="customer-list"),
    path("customers/<id:number>/transfer/", apis.CustomerTransferApi.as_view(), name="customer-transfer"),
]
