from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "core.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_login_day_record, dispatch_uid="accounts.login_day_record")


def _login_day_record(sender, request, user, **kwargs) -> None:
    """A Django signal, on purpose (the style avoids them for domain side effects): user_logged_in is the auth
    framework's own hook, sent by django.contrib.auth.login() for every sign-in (allauth's login form, its sign-up,
    the replicated site's join page), the same hook that writes User.last_login. Listening here catches every path
    without touching allauth's views; the handler only calls the service."""
    from django.utils import timezone

    from core.accounts.services import login_day_record

    login_day_record(user=user, at=timezone.now())
