from django.urls import path

from kamavor.money import purchase_desk, views

app_name = "money"

urlpatterns = [
    path("", views.index, name="index"),
    path("funds/<int:fund_id>/", views.fund, name="fund"),
    path("records/<int:record_id>/", views.record, name="record"),
    path("records/<int:record_id>/reverse/", views.reverse_record, name="reverse"),
    path("records/<int:record_id>/receipt/<str:lang>/", views.receipt, name="receipt"),
    path("counts/<int:count_id>/confirm/", views.confirm_count, name="confirm_count"),
    path("<int:organisation_id>/funds/new/", views.fund_new, name="fund_new"),
    path("<int:organisation_id>/donations/new/", views.donation_new, name="donation_new"),
    path("<int:organisation_id>/spending/new/", views.spending_new, name="spending_new"),
    path("<int:organisation_id>/transfers/new/", views.transfer_new, name="transfer_new"),
    path("<int:organisation_id>/advances/new/", views.advance_new, name="advance_new"),
    path("<int:organisation_id>/cash/", views.cash, name="cash"),
    path("<int:organisation_id>/rates/", views.rates, name="rates"),
    path("<int:organisation_id>/values/", views.item_values, name="values"),
    path("points/<int:point_id>/purchase/", purchase_desk.purchase, name="purchase"),
    path("points/<int:point_id>/purchase/add/", purchase_desk.purchase_add, name="purchase_add"),
    path(
        "points/<int:point_id>/purchase/remove/<int:index>/",
        purchase_desk.purchase_remove,
        name="purchase_remove",
    ),
    path(
        "points/<int:point_id>/purchase/clear/",
        purchase_desk.purchase_clear,
        name="purchase_clear",
    ),
    path("points/<int:point_id>/purchase/post/", purchase_desk.purchase_post, name="purchase_post"),
]
