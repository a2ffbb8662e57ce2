"""Small helpers shared by tests of several apps."""

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from allauth.mfa.utils import decrypt
from django_tenants.utils import schema_context
from knox.models import AuthToken
from rest_framework.test import APIClient


def token_client(company, user) -> APIClient:
    """An API client on ``company``'s host, signed in as ``user`` with a token made in that company's schema."""
    with schema_context(company.schema):
        _, token = AuthToken.objects.create(user=user)
    client = APIClient(HTTP_HOST=company.host)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def anonymous_client(company) -> APIClient:
    return APIClient(HTTP_HOST=company.host)


def two_factor_activate(user) -> str:
    """Turn on authenticator-app sign-in for ``user`` (in the current schema), as the set-up page would; returns the
    secret the app would hold."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(user, *, step: int = 0) -> str:
    """The code ``user``'s authenticator app shows now (RFC 6238, computed from the stored secret with allauth's
    own HOTP function). Each code is accepted once: a second sign-in in the same 30 s takes ``step=1``."""
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))
