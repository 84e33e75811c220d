from django.contrib import admin

from kamavor.allocation.models import SubstituteGroup


@admin.register(SubstituteGroup)
class SubstituteGroupAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_hy", "name_ru", "organisation")
    list_filter = ("organisation",)
    filter_horizontal = ("items",)
