from django.urls import path

from kamavor.stock import views

app_name = "stock"

urlpatterns = [
    path("<int:point_id>/intake/", views.intake, name="intake"),
]
