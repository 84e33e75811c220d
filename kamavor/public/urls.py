"""Public URLs: the language first (/hy/, /ru/, /en/), then the network's pages below it."""

from django.urls import path, register_converter

from kamavor.public import views
from kamavor.public.accounts import accounts
from kamavor.public.http import LanguageConverter, in_language
from kamavor.volunteers import public_views as shifts

register_converter(LanguageConverter, "lang")

app_name = "public"

urlpatterns = [
    path("<lang:lang>/", in_language(views.network), name="network"),
    path("<lang:lang>/shifts/", in_language(shifts.board), name="board"),
    path("<lang:lang>/shifts/<int:shift_id>/", in_language(shifts.signup), name="signup"),
    path("<lang:lang>/v/<str:token>/", in_language(shifts.mine), name="mine"),
    path(
        "<lang:lang>/v/<str:token>/shifts.ics",
        in_language(shifts.volunteer_calendar),
        name="mine_ics",
    ),
    path(
        "<lang:lang>/v/<str:token>/cancel/<int:signup_id>/",
        in_language(shifts.cancel),
        name="cancel",
    ),
    path("<lang:lang>/v/<str:token>/join/<int:shift_id>/", in_language(shifts.join), name="join"),
    path("<lang:lang>/funds/<slug:slug>/", in_language(accounts), name="accounts"),
    path("<lang:lang>/<slug:slug>/", in_language(views.point), name="point"),
    path("<lang:lang>/<slug:slug>/poster/", in_language(views.poster), name="poster"),
    path("<lang:lang>/<slug:slug>/needs.txt", in_language(views.plain_text), name="text"),
    path(
        "<lang:lang>/<slug:slug>/shifts.ics", in_language(shifts.point_calendar), name="point_ics"
    ),
]
