"""The money app's public page (an organisation's accounts), mounted before the public app's."""

from kamavor.money.urls import public_urlpatterns

app_name = "money_public"
urlpatterns = public_urlpatterns
