from allauth.account.adapter import DefaultAccountAdapter
from django.db import connection
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django_tenants.utils import get_public_schema_name

from core.accounts.models import Role
from core.accounts.selectors import ActorKind, actor_for
from core.accounts.services import api_tokens_revoke
from core.company.selectors import language_for
from core.company.services import company_sender, company_settings_get

# Where each audience starts on a company's host (URL names of frontend/): the console, the back office, the
# customer's own orders. Anyone else goes to the company's home page.
COMPANY_HOMES = {
    ActorKind.COMPANY_STAFF: "console-home",
    ActorKind.DISTRIBUTOR: "office-home",
    ActorKind.CUSTOMER: "customer-orders",
}


def landing_url_for(user) -> str:
    """Where ``user`` lands after signing in on the current host. The platform domain has one audience, the
    provider's staff, whose home is the provider console. A distributor login whose member record is missing still
    goes to the back office, which says why it shows nothing."""
    if connection.schema_name == get_public_schema_name():
        return reverse("provider-home")
    actor = actor_for(user)
    name = COMPANY_HOMES.get(actor.kind)
    if name is None and actor.role == Role.DISTRIBUTOR:
        name = "office-home"
    try:
        return reverse(name or "company-home")
    except NoReverseMatch:
        return "/"


class AccountAdapter(DefaultAccountAdapter):
    """Open sign-up is closed: distributors join through a sponsor's replicated site, staff are invited."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_login_redirect_url(self, request) -> str:
        """Each audience lands on its own home (a ``next`` address, when safe, still wins: allauth checks it first)."""
        return landing_url_for(request.user)

    def format_email_subject(self, subject: str) -> str:
        """allauth's e-mails (password reset, two-factor notices) carry the company's name on its host."""
        if connection.schema_name == get_public_schema_name():
            return super().format_email_subject(subject)
        return f"[{company_settings_get().display_name}] {subject}"

    def get_from_email(self) -> str:
        """allauth's e-mails on a company's host come from the company, like every other e-mail it sends."""
        if connection.schema_name == get_public_schema_name():
            return super().get_from_email()
        return company_sender().from_email

    def send_mail(self, template_prefix, email, context) -> None:
        """allauth's e-mails (password reset, invitations, two-factor notices) in the recipient's language."""
        with translation.override(language_for(email=email)):
            super().send_mail(template_prefix, email, context)

    def render_mail(self, template_prefix, email, context, headers=None):
        message = super().render_mail(template_prefix, email, context, headers=headers)
        if connection.schema_name != get_public_schema_name():
            message.reply_to = company_sender().reply_to
        return message

    def populate_username(self, request, user) -> None:
        user.username = user.email

    def set_password(self, user, password) -> None:
        """Every password change or reset through allauth (the change form, the reset link, an invitation) revokes
        the user's API tokens: whoever held a token obtained with the old password loses it."""
        super().set_password(user, password)
        api_tokens_revoke(user=user)
