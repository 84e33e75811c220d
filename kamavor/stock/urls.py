from django.urls import path

from kamavor.stock import views
from kamavor.stock.views import stock

app_name = "stock"

urlpatterns = [
    path("<int:point_id>/intake/", views.intake, name="intake"),
    path("<int:point_id>/intake/add/", views.intake_add, name="intake_add"),
    path("<int:point_id>/intake/remove/<int:index>/", views.intake_remove, name="intake_remove"),
    path("<int:point_id>/intake/clear/", views.intake_clear, name="intake_clear"),
    path("<int:point_id>/intake/post/", views.intake_post, name="intake_post"),
    path("<int:point_id>/stock/", views.point_stock, name="point_stock"),
    path("<int:point_id>/stock/<int:item_id>/", stock.point_item, name="point_item"),
    path("<int:point_id>/expiry/", views.expiry, name="expiry"),
    path("<int:point_id>/lots/<int:lot_id>/", views.lot_history, name="lot"),
    path("<int:point_id>/lots/<int:lot_id>/dispose/", stock.dispose_lot, name="dispose_lot"),
    path("stock/", views.organisation_stock, name="organisation_stock"),
    path("documents/<int:document_id>/", views.document_detail, name="document"),
    path("documents/<int:document_id>/reverse/", views.reverse, name="reverse"),
]
