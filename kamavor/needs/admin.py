from django.contrib import admin

from kamavor.needs.models import Request, RequestLine, Standard
from kamavor.needs.open_totals import rebuild_open_totals


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["code", "item", "eligibility", "per", "quantity", "period_days", "active"]
    list_filter = ["active", "per", "eligibility"]
    search_fields = ["code", "item__name_en", "source"]
    autocomplete_fields = ["item"]


class RequestLineInline(admin.TabularInline):
    model = RequestLine
    extra = 0
    raw_id_fields = ["item", "category"]


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "household", "shelter", "urgency", "state", "created_at"]
    list_filter = ["state", "urgency"]
    raw_id_fields = ["household", "shelter", "created_by"]
    readonly_fields = ["idempotency_key", "fingerprint"]
    inlines = [RequestLineInline]

    # An edit here goes around the request services, which keep the open request totals:
    # they are summed again after it (admin edits are rare; the sum is one statement).
    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        rebuild_open_totals()

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        rebuild_open_totals()

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        rebuild_open_totals()
