from django.urls import path

from kamavor.reports import dashboard_views, printed, views

app_name = "reports"

urlpatterns = [
    path("<int:point_id>/dashboard/", dashboard_views.point_dashboard, name="point_dashboard"),
    path(
        "organisations/<int:organisation_id>/",
        dashboard_views.organisation_dashboard,
        name="organisation_dashboard",
    ),
    path("network/", dashboard_views.network_dashboard, name="network_dashboard"),
    path(
        "organisations/<int:organisation_id>/accounts/",
        dashboard_views.publish_accounts,
        name="publish_accounts",
    ),
    path("organisations/<int:organisation_id>/monthly/", printed.monthly, name="monthly"),
    path("receipts/<int:document_id>/", printed.receipt, name="receipt"),
    path("deliveries/", printed.delivery_history, name="delivery_history"),
    path("hxl/<slug:kind>.<str:fmt>", dashboard_views.hxl_export, name="hxl"),
    path(
        "<int:point_id>/export/<slug:key>.<str:fmt>",
        views.export_at_point,
        name="export_at_point",
    ),
    path("export/personal/", views.personal, name="personal"),
    path("export/personal/download/", views.personal_download, name="personal_download"),
    path("export/<slug:key>.<str:fmt>", views.export_list, name="export_list"),
]
