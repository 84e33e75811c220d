from django.urls import path

from kamavor.shelters import views

app_name = "shelters"

urlpatterns = [
    path("", views.index, name="index"),
    path("board/", views.board, name="board"),
    path("board.csv", views.board_csv, name="board_csv"),
    path("place/", views.desk, name="desk"),
    path("place/register/", views.register_here, name="register_here"),
    path("place/go/", views.place, name="place"),
    path("<int:point_id>/", views.shelter, name="shelter"),
    path("<int:point_id>/units/", views.save_unit, name="unit"),
    path("<int:point_id>/facilities/", views.set_facility, name="facility"),
    path("<int:point_id>/settings/", views.settings, name="settings"),
    path("<int:point_id>/headcount/", views.headcount, name="headcount"),
    path("<int:point_id>/request/", views.building_request, name="building_request"),
    path("<int:point_id>/residents/", views.residents, name="residents"),
    path("placements/<int:placement_id>/check-out/", views.check_out, name="check_out"),
    path("placements/<int:placement_id>/move/", views.move, name="move"),
]
