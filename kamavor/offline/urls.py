from django.urls import path

from kamavor.offline import views

app_name = "offline"

urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("offline/outbox/", views.outbox, name="outbox"),
    path("offline/held/<int:held_id>/", views.held_write, name="held"),
    path("<int:point_id>/offline/review/", views.review, name="review"),
    path("<int:point_id>/offline/<str:feed>/", views.changes, name="changes"),
]
