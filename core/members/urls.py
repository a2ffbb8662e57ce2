from django.urls import path

from core.members.apis import customers, files, genealogy, members, moves

urlpatterns = [
    path("members/", members.MemberListApi.as_view(), name="member-list"),
    path("members/me/", members.MyMemberApi.as_view(), name="member-me"),
    path("members/<int:number>/", members.MemberDetailApi.as_view(), name="member-detail"),
    path("members/<int:number>/upline/", genealogy.UplineApi.as_view(), name="member-upline"),
    path("members/<int:number>/downline/", genealogy.DownlineApi.as_view(), name="member-downline"),
    path(
        "members/<int:number>/downline/summary/", genealogy.DownlineSummaryApi.as_view(), name="member-downline-summary"
    ),
    path("members/<int:number>/history/", genealogy.MemberHistoryApi.as_view(), name="member-history"),
    path("members/<int:number>/responsor/", moves.ResponsorApi.as_view(), name="member-responsor"),
    path("members/<int:number>/replace/", moves.ReplaceApi.as_view(), name="member-replace"),
    path("members/<int:number>/frontline-up/", moves.FrontlineUpApi.as_view(), name="member-frontline-up"),
    path("members/<int:number>/place/", moves.PlaceFromTankApi.as_view(), name="member-place"),
    path("members/<int:number>/status/", members.MemberStatusApi.as_view(), name="member-status"),
    path("members/import/", files.ImportApi.as_view(), name="member-import"),
    path("members/export/", files.ExportApi.as_view(), name="member-export"),
    path("moves/", moves.MoveListApi.as_view(), name="move-list"),
    path("moves/<int:move_id>/undo/", moves.MoveUndoApi.as_view(), name="move-undo"),
    path("genealogy/settings/", genealogy.GenealogySettingsApi.as_view(), name="genealogy-settings"),
    path("join/<str:username>/", members.JoinApi.as_view(), name="join"),
    path("customers/", customers.CustomerListApi.as_view(), name="customer-list"),
    path("customers/<int:number>/transfer/", customers.CustomerTransferApi.as_view(), name="customer-transfer"),
]
