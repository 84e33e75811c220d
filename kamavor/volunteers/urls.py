from django.urls import path

from kamavor.volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("<int:point_id>/shifts/", views.shifts, name="shifts"),
    path("<int:point_id>/shifts/repeat/", views.repeat, name="repeat"),
    path("<int:point_id>/shifts/repeat/<int:template_id>/stop/", views.stop, name="stop"),
    path("<int:point_id>/shifts/<int:shift_id>/", views.roster, name="roster"),
    path("<int:point_id>/shifts/<int:shift_id>/roster.csv", views.roster_csv, name="roster_csv"),
    path("<int:point_id>/shifts/<int:shift_id>/write/", views.write, name="write"),
    path("<int:point_id>/shifts/<int:shift_id>/cancel/", views.cancel, name="cancel"),
    path(
        "<int:point_id>/shifts/<int:shift_id>/signups/<int:signup_id>/<str:what>/",
        views.mark,
        name="mark",
    ),
    path("<int:point_id>/volunteers/", views.hours, name="hours"),
]
