from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from kamavor.accounts.views import LoginView
from kamavor.api import api
from kamavor.core import views as core_views

urlpatterns = [
    # First: the API's every request is resolved without trying the pages' patterns before it.
    path("api/v1/", api.urls),
    path("", core_views.start, name="start"),
    path("healthz", core_views.healthz, name="healthz"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("kamavor.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/", core_views.home, name="home"),
    path("desk/", include("kamavor.stock.urls")),
    path("desk/needs/", include("kamavor.needs.urls")),
    path("desk/households/", include("kamavor.households.urls")),
    path("desk/", include("kamavor.distribution.urls")),
    path("desk/", include("kamavor.offline.urls")),
    path("desk/plans/", include("kamavor.allocation.urls")),
    path("desk/catalogue/", include("kamavor.catalogue.urls")),
    path("desk/shelters/", include("kamavor.shelters.urls")),
    path("desk/money/", include("kamavor.money.urls")),
    path("desk/", include("kamavor.sorting.urls")),
    # One way in: the admin signs in through the same throttled page and second factor.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("desk/", include("kamavor.volunteers.urls")),
    path("desk/", include("kamavor.public.desk_urls")),
    path("", include("kamavor.exchange.urls")),
    path("desk/reports/", include("kamavor.reports.urls")),
    path("", include("kamavor.reports.public_urls")),
    # Last: the public pages, below a language prefix (/hy/, /ru/, /en/).
    path("", include("kamavor.public.urls")),
]
