from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kamavor.accounts"
    label = "accounts"
    verbose_name = _("accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from kamavor.accounts import sessions

        # Every way in (the login page, the admin, a test's force_login) leaves its session in
        # the member's list; a way out takes it off.
        user_logged_in.connect(sessions.on_login, dispatch_uid="kamavor.accounts.login")
        user_logged_out.connect(sessions.on_logout, dispatch_uid="kamavor.accounts.logout")
