"""Encryption of sensitive identifiers (tax ids) at rest.

The key comes from the ``FIELD_ENCRYPTION_KEY`` setting (any string; production sets its own), stretched with SHA-256
into a Fernet key, so a database dump alone never reveals a tax id."""

import base64
import hashlib

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    secret = getattr(settings, "FIELD_ENCRYPTION_KEY", "") or settings.SECRET_KEY
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


def encrypt(value: str) -> bytes:
    return _fernet().encrypt(value.encode())


def decrypt(token: bytes) -> str:
    return _fernet().decrypt(bytes(token)).decode()
