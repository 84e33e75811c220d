from django.urls import path

from kamavor.distribution import views

app_name = "distribution"

urlpatterns = [
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
