from django.contrib import admin

from kamavor.catalogue.models import Barcode, Category, Item, KitComponent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_hy", "name_ru", "name_en", "position"]


class BarcodeInline(admin.TabularInline):
    model = Barcode
    extra = 0


class KitComponentInline(admin.TabularInline):
    model = KitComponent
    fk_name = "kit"
    extra = 0
    autocomplete_fields = ["item"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name_hy", "name_ru", "name_en", "category", "unit", "active"]
    list_filter = ["category", "is_kit", "tracks_expiry", "tracks_size", "active"]
    search_fields = ["code", "name_hy", "name_ru", "name_en", "barcodes__code"]
    inlines = [BarcodeInline, KitComponentInline]

    def save_model(self, request, obj: Item, form, change) -> None:
        obj.refresh_search_text()
        super().save_model(request, obj, form, change)
