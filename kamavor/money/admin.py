"""Currencies may be added in the admin (any ISO 4217 code); money moves only through services."""

from django.contrib import admin

from kamavor.money.models import Currency


@admin.register(Currency)
class CurrencyAdmin(admin.ModelAdmin):
    list_display = ["code", "exponent"]
    search_fields = ["code"]
