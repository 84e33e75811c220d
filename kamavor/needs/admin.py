from django.contrib import admin

from kamavor.needs.models import Request, RequestLine, Standard


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
