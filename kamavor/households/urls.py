from django.urls import path

from kamavor.households import review, views

app_name = "households"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.register, name="register"),
    path("cards/", views.cards, name="cards"),
    path("audit/", views.audit, name="audit"),
    path("lookup/", views.lookup, name="lookup"),
    path("review/", review.queue, name="review"),
    path("review/<int:pair_id>/", review.decide, name="review_decide"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/personal/", views.show_personal, name="personal"),
    path("<str:code>/personal/edit/", views.edit_personal, name="edit_personal"),
    path("<str:code>/edit/", views.edit, name="edit"),
    path("<str:code>/erase/", views.erase, name="erase"),
    path("<str:code>/merge/", views.merge, name="merge"),
    path("<str:code>/unmerge/", review.unmerge, name="unmerge"),
    path("<str:code>/card/", views.card, name="card"),
]
