from django.urls import path

import config.converters  # noqa: F401 - the <id:…> path converter
from core.members.apis import customers, files, genealogy, markets, members, moves

urlpatterns = [
    path("members/", members.MemberListApi.as_view(), name="member-list"),
    path("members/me/", members.MyMemberApi.as_view(), name="member-me"),
    path("members/<id:number>/", members.MemberDetailApi.as_view(), name="member-detail"),
    path("members/<id:number>/upline/", genealogy.UplineApi.as_view(), name="member-upline"),
    path("members/<id:number>/downline/", genealogy.DownlineApi.as_view(), name="member-downline"),
    path(
        "members/<id:number>/downline/summary/", genealogy.DownlineSummaryApi.as_view(), name="member-downline-summary"
    ),
    path("members/<id:number>/history/", genealogy.MemberHistoryApi.as_view(), name="member-history"),
    path("members/<id:number>/responsor/", moves.ResponsorApi.as_view(), name="member-responsor"),
    path("members/<id:number>/replace/", moves.ReplaceApi.as_view(), name="member-replace"),
    path("members/<id:number>/frontline-up/", moves.FrontlineUpApi.as_view(), name="member-frontline-up"),
    path("members/<id:number>/place/", moves.PlaceFromTankApi.as_view(), name="member-place"),
    path("members/<id:number>/status/", members.MemberStatusApi.as_view(), name="member-status"),
    path("members/<id:number>/market/", markets.MemberMarketApi.as_view(), name="member-market"),
    path("members/import/", files.ImportApi.as_view(), name="member-import"),
    path("members/export/", files.ExportApi.as_view(), name="member-export"),
    path("moves/", moves.MoveListApi.as_view(), name="move-list"),
    path("moves/<id:move_id>/undo/", moves.MoveUndoApi.as_view(), name="move-undo"),
    path("genealogy/settings/", genealogy.GenealogySettingsApi.as_view(), name="genealogy-settings"),
    path("join/<str:username>/", members.JoinApi.as_view(), name="join"),
    path("customers/", customers.CustomerListApi.as_view(), name="customer-list"),
    path("customers/<id:number>/transfer/", customers.CustomerTransferApi.as_view(), name="customer-transfer"),
    path("customers/<id:number>/market/", markets.CustomerMarketApi.as_view(), name="customer-market"),
]
