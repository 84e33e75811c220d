from django.urls import path

from kamavor.exchange import openrosa, views

app_name = "exchange"

urlpatterns = [
    path("openrosa/<slug:organisation_slug>/formList", openrosa.form_list, name="form_list"),
    path(
        "openrosa/<slug:organisation_slug>/forms/<slug:form_id>.xml",
        openrosa.form_download,
        name="form_download",
    ),
    path("openrosa/<slug:organisation_slug>/submission", openrosa.submission, name="submission"),
    path("desk/field/", views.queue, name="queue"),
    path("desk/field/<int:submission_id>/", views.submission, name="submission_page"),
    path("desk/field/imports/", views.imports, name="imports"),
]
