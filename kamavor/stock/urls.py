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
    path("<int:point_id>/transfers/", views.transfers, name="transfers"),
    path("<int:point_id>/transfers/new/", views.transfer_new, name="transfer_new"),
    path("<int:point_id>/transfers/new/add/", views.transfer_add, name="transfer_add"),
    path(
        "<int:point_id>/transfers/new/remove/<int:index>/",
        views.transfer_remove,
        name="transfer_remove",
    ),
    path("<int:point_id>/transfers/new/clear/", views.transfer_clear, name="transfer_clear"),
    path("<int:point_id>/transfers/new/create/", views.transfer_create, name="transfer_create"),
    path("transfers/<int:document_id>/", views.transfer_detail, name="transfer"),
    path("transfers/<int:document_id>/send/", views.transfer_send, name="transfer_send"),
    path("transfers/<int:document_id>/cancel/", views.transfer_cancel, name="transfer_cancel"),
    path("transfers/<int:document_id>/receive/", views.transfer_receive, name="transfer_receive"),
    path("<int:point_id>/counts/", views.counts, name="counts"),
    path("<int:point_id>/counts/new/", views.count_new, name="count_new"),
    path("<int:point_id>/counts/post/", views.count_post, name="count_post"),
    path("<int:point_id>/kits/", views.kits, name="kits"),
    path("<int:point_id>/kits/build/", views.kit_build, name="kit_build"),
    path("<int:point_id>/kits/lots/<int:lot_id>/unbuild/", views.kit_unbuild, name="kit_unbuild"),
]
