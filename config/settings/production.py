"""Production: refuses to start with DEBUG on or the development secret key."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import DEBUG, FIELD_ENCRYPTION_KEY, INSECURE_DEFAULT_SECRET_KEY, SECRET_KEY, env

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (unset DEBUG or set DEBUG=false).")
if SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 32 characters for production.")
if len(FIELD_ENCRYPTION_KEY) < 32 or FIELD_ENCRYPTION_KEY == SECRET_KEY:
    # Tax ids are encrypted with this key: it must outlive SECRET_KEY rotations, so it is its own setting.
    raise ImproperlyConfigured(
        "Set FIELD_ENCRYPTION_KEY to its own random value of at least 32 characters (it encrypts tax ids)."
    )

PLATFORM_SCHEME = "https"
WEBHOOKS_ALLOW_INSECURE_URLS = False  # webhook endpoints must be https to public hosts
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# HSTS for a year on the platform domain and every company subdomain, with the preload flag (submit the domain at
# https://hstspreload.org once every subdomain serves https; a custom company domain gets its own header as usual).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
