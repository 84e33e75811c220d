from django.contrib import admin

from kamavor.network.models import ApiToken, Member, Organisation, Point


class PointInline(admin.TabularInline):
    model = Point
    extra = 0
    fields = ["name", "slug", "kind", "city", "active"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "contact"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    inlines = [PointInline]


@admin.register(Point)
class PointAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "kind", "city", "active"]
    list_filter = ["kind", "active", "organisation"]
    search_fields = ["name", "address", "city"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "language"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "created_at", "expires_at", "last_used_at", "revoked"]
    readonly_fields = ["digest", "created_at", "last_used_at"]
    list_filter = ["revoked"]
