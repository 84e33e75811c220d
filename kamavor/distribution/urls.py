from django.urls import path

from kamavor.distribution import views, views_deliveries

app_name = "distribution"

urlpatterns = [
    path("deliveries/", views_deliveries.shelter_deliveries, name="shelter_deliveries"),
    path("deliveries/<int:delivery_id>/", views_deliveries.delivery, name="delivery"),
    path("deliveries/<int:delivery_id>/send/", views_deliveries.send, name="delivery_send"),
    path("deliveries/<int:delivery_id>/cancel/", views_deliveries.cancel, name="delivery_cancel"),
    path(
        "deliveries/<int:delivery_id>/confirm/", views_deliveries.confirm, name="delivery_confirm"
    ),
    path("<int:point_id>/deliveries/", views_deliveries.deliveries, name="deliveries"),
    path(
        "<int:point_id>/deliveries/requests/<int:request_id>/",
        views_deliveries.prepare,
        name="delivery_prepare",
    ),
    path("<int:point_id>/distribution/", views.desk, name="desk"),
    path(
        "<int:point_id>/distribution/receipts/<int:document_id>/",
        views.receipt,
        name="receipt",
    ),
    path("<int:point_id>/distribution/<str:code>/", views.visit, name="visit"),
    path("<int:point_id>/distribution/<str:code>/add/", views.add, name="add"),
    path(
        "<int:point_id>/distribution/<str:code>/remove/<int:index>/",
        views.remove,
        name="remove",
    ),
    path("<int:point_id>/distribution/<str:code>/post/", views.post, name="post"),
    path("<int:point_id>/distribution/<str:code>/cancel/", views.cancel, name="cancel"),
]
