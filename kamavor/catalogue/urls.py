from django.urls import path

from kamavor.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("", views.items, name="items"),
    path("new/", views.item_new, name="item_new"),
    path("<int:item_id>/", views.item, name="item"),
]
