"""Public URLs: the language first (/hy/, /ru/, /en/), then the network's pages below it."""

from django.urls import path, register_converter

from kamavor.public import views
from kamavor.public.http import LanguageConverter
from kamavor.volunteers import public_views as shifts

register_converter(LanguageConverter, "lang")

app_name = "public"

urlpatterns = [
    path("<lang:lang>/", views.network, name="network"),
    path("<lang:lang>/shifts/", shifts.board, name="board"),
    path("<lang:lang>/shifts/<int:shift_id>/", shifts.signup, name="signup"),
    path("<lang:lang>/v/<str:token>/", shifts.mine, name="mine"),
    path("<lang:lang>/v/<str:token>/shifts.ics", shifts.volunteer_calendar, name="mine_ics"),
    path("<lang:lang>/v/<str:token>/cancel/<int:signup_id>/", shifts.cancel, name="cancel"),
    path("<lang:lang>/v/<str:token>/join/<int:shift_id>/", shifts.join, name="join"),
    path("<lang:lang>/<slug:slug>/", views.point, name="point"),
    path("<lang:lang>/<slug:slug>/poster/", views.poster, name="poster"),
    path("<lang:lang>/<slug:slug>/needs.txt", views.plain_text, name="text"),
    path("<lang:lang>/<slug:slug>/shifts.ics", shifts.point_calendar, name="point_ics"),
]
