from django.contrib import admin

from kamavor.allocation.models import PointLink, SubstituteGroup


@admin.register(SubstituteGroup)
class SubstituteGroupAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_hy", "name_ru", "organisation")
    list_filter = ("organisation",)
    filter_horizontal = ("items",)


@admin.register(PointLink)
class PointLinkAdmin(admin.ModelAdmin):
    list_display = ("point_a", "point_b", "organisation")
    list_filter = ("organisation",)
