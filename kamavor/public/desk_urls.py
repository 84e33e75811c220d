from django.urls import path

from kamavor.public import desk_views

app_name = "public_desk"

urlpatterns = [
    path("<int:point_id>/public/", desk_views.page, name="page"),
    path("<int:point_id>/public/line/", desk_views.override, name="override"),
    path("<int:point_id>/public/settings/", desk_views.settings, name="settings"),
    path("<int:point_id>/public/texts/", desk_views.texts, name="texts"),
]
