from django.urls import path

from kamavor.sorting import views, views_containers, views_uploads

app_name = "sorting"

urlpatterns = [
    path("<int:point_id>/sorting/", views.desk, name="desk"),
    path("<int:point_id>/sorting/record/", views.record, name="record"),
    path("<int:point_id>/sorting/bag/", views.find_bag, name="find_bag"),
    path("<int:point_id>/sorting/notice/", views.notice, name="notice"),
    path("<int:point_id>/sorting/pace/", views.pace, name="pace"),
    path("sorting/<int:drop_off_id>/", views.station, name="station"),
    path("sorting/<int:drop_off_id>/tags/", views.tags, name="tags"),
    path("sorting/<int:drop_off_id>/add/", views.add, name="add"),
    path("sorting/<int:drop_off_id>/lines/<int:line_id>/remove/", views.remove, name="remove"),
    path("sorting/<int:drop_off_id>/close/", views.close, name="close"),
    path("sorting/lines/<int:line_id>/check/", views.check_line, name="check_line"),
    path("sorting/<int:drop_off_id>/pack/", views_containers.pack_drop_off, name="pack_drop_off"),
    path("<int:point_id>/containers/", views_containers.containers, name="containers"),
    path("<int:point_id>/containers/new/", views_containers.container_new, name="container_new"),
    path("<int:point_id>/containers/find/", views_containers.find_container, name="find_container"),
    path("containers/<int:container_id>/", views_containers.container, name="container"),
    path("containers/<int:container_id>/pack/", views_containers.pack, name="pack"),
    path("containers/<int:container_id>/open/", views_containers.unpack, name="unpack"),
    path("containers/<int:container_id>/send/", views_containers.send, name="send"),
    path("containers/<int:container_id>/label/", views_containers.label, name="label"),
    path("containers/<int:container_id>/count/", views_containers.count, name="count"),
    path("<int:point_id>/distribution/<str:code>/box/", views_containers.hand_out, name="hand_out"),
    path("<int:point_id>/kits/box/", views_containers.kit_box, name="kit_box"),
    path(
        "<int:point_id>/deliveries/<int:request_id>/box/",
        views_containers.deliver_box,
        name="deliver_box",
    ),
    path("<int:point_id>/packing-list/", views_uploads.upload, name="upload"),
    path("<int:point_id>/packing-list/check/", views_uploads.check, name="upload_check"),
    path("<int:point_id>/packing-list/post/", views_uploads.post, name="upload_post"),
]
