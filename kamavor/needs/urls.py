from django.urls import path

from kamavor.needs import views

app_name = "needs"

urlpatterns = [
    path("standards/", views.standards, name="standards"),
    path("requests/", views.requests_desk, name="requests"),
    path("requests/household/", views.create_household_request, name="household_request"),
    path("requests/shelter/", views.create_shelter_request, name="shelter_request"),
    path("requests/<int:request_id>/cancel/", views.cancel, name="cancel"),
]
