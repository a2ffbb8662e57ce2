"""Small helpers shared by tests of several apps."""

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
