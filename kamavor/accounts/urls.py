from django.urls import path

from kamavor.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("password/", views.password, name="password"),
    path("two-factor/", views.verify, name="verify"),
    path("two-factor/setup/", views.setup, name="setup"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("sessions/<int:record_id>/end/", views.end_session, name="end_session"),
    path("sessions/end-others/", views.end_other_sessions, name="end_other_sessions"),
    path("tokens/new/", views.new_token, name="new_token"),
    path("tokens/<int:token_id>/revoke/", views.end_token, name="end_token"),
    path("lockdown/<int:organisation_id>/", views.lockdown, name="lockdown"),
]
