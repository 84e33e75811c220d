from django.urls import path

from kamavor.reports import views

app_name = "reports"

urlpatterns = [
    path(
        "<int:point_id>/export/<slug:key>.<str:fmt>",
        views.export_at_point,
        name="export_at_point",
    ),
    path("export/personal/", views.personal, name="personal"),
    path("export/personal/download/", views.personal_download, name="personal_download"),
    path("export/<slug:key>.<str:fmt>", views.export_list, name="export_list"),
]
