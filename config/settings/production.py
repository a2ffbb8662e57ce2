"""Production: refuses to start with DEBUG on or the development secret key."""

import sentry_sdk
from django.core.exceptions import ImproperlyConfigured

from config.logs import logging_config
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
# Load balancers and Prometheus ask the web processes directly over http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS for a year on the platform domain and every company subdomain, with the preload flag (submit the domain at
# https://hstspreload.org once every subdomain serves https; a custom company domain gets its own header as usual).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    # Hashed names (cached for a long time); Caddy serves and compresses them, so collectstatic does not pre-compress.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

# Hosts: company-owned domains are added at run time (tenants.CustomDomain), so Django cannot list them; the tenant
# middleware answers 404 for any host that is not a company's Domain row, and Caddy only gets certificates for those.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
# Every log line as JSON with the company and request id (config.logs), one line per request.
LOG_JSON = env.bool("LOG_JSON", default=True)
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=True)
LOGGING = logging_config(json_lines=LOG_JSON, level=env("LOG_LEVEL", default="INFO"))
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers log through LOGGING too (JSON, with the task id)

# Error reporting: set SENTRY_DSN (any Sentry-compatible service) and errors with their request and task context are
# sent there; unset, nothing is initialised. https://docs.sentry.io/platforms/python/integrations/django/
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,  # members' names and e-mails stay out of the error reports
    )
