from django.urls import path

from kamavor.sorting import views

app_name = "sorting"

urlpatterns = [
    path("<int:point_id>/sorting/", views.desk, name="desk"),
    path("<int:point_id>/sorting/record/", views.record, name="record"),
    path("<int:point_id>/sorting/bag/", views.find_bag, name="find_bag"),
    path("sorting/<int:drop_off_id>/", views.station, name="station"),
    path("sorting/<int:drop_off_id>/tags/", views.tags, name="tags"),
    path("sorting/<int:drop_off_id>/add/", views.add, name="add"),
    path("sorting/<int:drop_off_id>/lines/<int:line_id>/remove/", views.remove, name="remove"),
    path("sorting/<int:drop_off_id>/close/", views.close, name="close"),
]
