"""Small helpers shared by tests of several apps."""

from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def token_client(company, user) -> APIClient:
    """An API client on ``company``'s host, signed in as ``user`` with a token made in that company's schema."""
    with schema_context(company.schema):
        token, _ = Token.objects.get_or_create(user=user)
    client = APIClient(HTTP_HOST=company.host)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def anonymous_client(company) -> APIClient:
    return APIClient(HTTP_HOST=company.host)
