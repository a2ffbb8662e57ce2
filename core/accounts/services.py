"""Creating and inviting accounts inside the current schema (a company's, or public for provider staff)."""

import datetime

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name
from knox.models import AuthToken

from config.tenancy import current_schema
from core.accounts.models import LoginDay, Role, User
from core.company.selectors import company_languages


def user_create(
    *,
    email: str,
    role: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
) -> User:
    """Create a login in the current schema. Without a password the account can only be entered through an
    invitation (password-set) link."""
    email = User.objects.normalize_email(email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [gettext("Enter a valid e-mail address.")]
    if role not in Role.values:
        errors["role"] = [
            gettext("Unknown role %(role)s; choose one of %(choices)s.")
            % {"role": repr(role), "choices": ", ".join(Role.values)}
        ]
    if "email" not in errors and User.objects.filter(email__iexact=email).exists():
        errors["email"] = [gettext("A user with the e-mail %(email)s already exists here.") % {"email": email}]
    if password is not None and "email" not in errors:
        try:
            validate_password(password, User(email=email, username=email))
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user = User(email=email, username=email, role=role, first_name=first_name, last_name=last_name, is_staff=is_staff)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    with transaction.atomic():
        user.save()
    return user


def password_set_path(*, user: User) -> str:
    """The path of a one-time link that lets `user` choose a password (allauth's reset-from-key view)."""
    return reverse(
        "account_reset_password_from_key",
        urlconf="config.urls_tenant",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )


def login_day_record(*, user: User, at: datetime.datetime) -> None:
    """Note that `user` signed in on the (UTC) day of `at`; a second login that day adds nothing. ON CONFLICT DO
    NOTHING rather than a lookup first: two logins at once never fail the second one. Only in a company's schema:
    provider staff (public schema) are not billed, so their logins are not kept."""
    if current_schema() == get_public_schema_name():
        return
    LoginDay.objects.bulk_create([LoginDay(user=user, day=at.astimezone(datetime.UTC).date())], ignore_conflicts=True)


# ---------------------------------------------------------------------------------------------------- API tokens


def api_token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new API token for ``user`` in the current schema: the row (digest only) and the one-time clear text."""
    return AuthToken.objects.create(user=user)


def api_tokens_revoke(*, user: User, token_key: str | None = None) -> int:
    """Revoke one of ``user``'s tokens (by its public ``token_key``) or, without one, all of them. Returns how many."""
    tokens = AuthToken.objects.filter(user=user)
    if token_key is not None:
        tokens = tokens.filter(token_key=token_key)
    deleted, _ = tokens.delete()
    return deleted


def language_errors(language: str) -> list[str]:
    """Why ``language`` can't be a person's language here (empty when it can): it must be one the company enables."""
    enabled = company_languages()
    if language not in enabled:
        return [_("Choose one of the languages offered: %(codes)s.") % {"codes": ", ".join(enabled)}]
    return []


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """The person's own language, for their pages and the e-mails sent to them (issue 19)."""
    language = (language or "")[:10]
    if errors := language_errors(language):
        raise ValidationError({"language": errors})
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return user
