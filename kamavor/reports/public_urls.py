"""Public URLs of the reports app, below the language prefix like every public page."""

from django.urls import path

from kamavor.public import urls as _public_urls  # noqa: F401 - registers the lang converter
from kamavor.public.http import in_language
from kamavor.reports import accounts

app_name = "public_reports"

urlpatterns = [
    path(
        "<lang:lang>/accounts/<slug:slug>/",
        in_language(accounts.public_accounts),
        name="accounts",
    ),
]
