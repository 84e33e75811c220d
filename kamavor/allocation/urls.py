from django.urls import path

from kamavor.allocation import views

app_name = "allocation"

urlpatterns = [
    path("", views.plans, name="plans"),
    path("groups/", views.groups, name="groups"),
    path("links/", views.links, name="links"),
    path("links/<int:link_id>/delete/", views.delete_link, name="delete_link"),
    path("groups/<int:group_id>/delete/", views.delete_group, name="delete_group"),
    path("groups/sizes/<int:rule_id>/delete/", views.delete_size_rule, name="delete_size_rule"),
    path("<int:plan_id>/", views.plan, name="plan"),
    path("<int:plan_id>/accept/", views.accept, name="accept"),
    path("<int:plan_id>/points/<int:point_id>/", views.pick_list, name="pick_list"),
    path("<int:plan_id>/households/", views.find_household, name="find_household"),
    path("<int:plan_id>/households/<str:code>/", views.explain, name="explain"),
]
