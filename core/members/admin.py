"""The company admin's raw view of members and customers (the console in frontend/ is the everyday tool).

Tree columns are read-only here: parents change only through the move services, which record history."""

from django.contrib import admin

from config.admin_sites import company_site
from core.members.models import Customer, CustomerTransfer, GenealogySettings, Member, TreeEvent, TreeMove

TREE_FIELDS = (
    "sponsor",
    "sponsor_depth",
    "placement_parent",
    "placement_position",
    "placement_depth",
    "holding_tank_until",
)


@admin.register(Member, site=company_site)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("number", "username", "first_name", "last_name", "status", "paid_as_rank", "joined_at")
    list_filter = ("status", "paid_as_rank", "commission_excluded", "access_restricted")
    search_fields = ("=number", "username", "first_name", "last_name", "email")
    readonly_fields = (*TREE_FIELDS, "number", "user", "tax_id_last4", "joined_at", "status_changed_at")
    exclude = ("sponsor_path", "placement_path", "tax_id_encrypted")
    show_full_result_count = False  # counting a million rows on every page is wasted work
    list_per_page = 50

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # members are never deleted: terminate them instead


@admin.register(Customer, site=company_site)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("number", "first_name", "last_name", "customer_type", "distributor", "is_active")
    list_filter = ("customer_type", "is_active")
    search_fields = ("=number", "first_name", "last_name", "email")
    readonly_fields = ("number", "distributor", "user", "joined_at")
    raw_id_fields = ()
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TreeEventInline(admin.TabularInline):
    model = TreeEvent
    extra = 0
    can_delete = False
    readonly_fields = ("member", "tree", "old_parent", "new_parent", "old_position", "new_position", "happened_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TreeMove, site=company_site)
class TreeMoveAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "subject", "moved_at", "moved_by", "reason")
    list_filter = ("kind",)
    inlines = [TreeEventInline]
    readonly_fields = ("kind", "subject", "moved_at", "moved_by", "reason", "undoes")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CustomerTransfer, site=company_site)
class CustomerTransferAdmin(admin.ModelAdmin):
    list_display = ("customer", "from_distributor", "to_distributor", "moved_at", "reason")
    readonly_fields = ("customer", "from_distributor", "to_distributor", "moved_at", "moved_by", "reason")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


company_site.register(GenealogySettings)
