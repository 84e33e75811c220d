"""The ledger is read-only in the admin: stock changes only through the desks and the API."""

from django.contrib import admin

from kamavor.stock.models import Document, Movement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "status", "point", "destination", "created_by", "created_at"]
    list_filter = ["kind", "status"]
    date_hierarchy = "created_at"


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "lot", "quantity", "balance_after", "by", "at"]
    list_filter = ["kind"]
    list_select_related = ["lot__item", "by"]
