"""Settings shared by every environment. Values come from the environment (django-environ) with development
defaults; `production.py` refuses the unsafe ones. Docs: https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

from config.logs import logging_config
from config.queues import queue_names, task_routes
from config.settings.database import resolve_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# ------------------------------------------------------------------------------------------------------------------
# Core
# ------------------------------------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-canopy-development-only"
SECRET_KEY = env("SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
# Encrypts tax ids at rest (core.members.crypto); falls back to SECRET_KEY when unset.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")
# The provider's own domain; every company is served from <subdomain>.<PLATFORM_DOMAIN>.
PLATFORM_DOMAIN = env("PLATFORM_DOMAIN", default="localhost")
PLATFORM_SCHEME = env("PLATFORM_SCHEME", default="http")
PLATFORM_PORT = env("PLATFORM_PORT", default="")
# Company-owned domains are verified by fetching http://<domain>/.well-known/canopy-domain-verification; set host:port
# to connect there instead of the domain's own address (a local stack's Caddy, tests). tenants.services_domains.
CUSTOM_DOMAIN_CHECK_ADDRESS = env("CUSTOM_DOMAIN_CHECK_ADDRESS", default="")
# …and their TXT records are looked up with the system's resolver unless this (host:port) names one.
CUSTOM_DOMAIN_DNS_RESOLVER = env("CUSTOM_DOMAIN_DNS_RESOLVER", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}"])
TIME_ZONE = "UTC"
USE_TZ = True
# English is the source language; Spanish ships complete (locale/es, checked by `python -m infra.i18n check`).
# A company enables a subset of these for its people (issue 19).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [Path(env("CANOPY_LOCALE_DIR", default=str(BASE_DIR / "locale")))]
USE_I18N = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
WSGI_APPLICATION = "config.wsgi.application"

# ------------------------------------------------------------------------------------------------------------------
# Database and tenancy (django-tenants: https://django-tenants.readthedocs.io/)
# ------------------------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db_url_config(resolve_database_url(BASE_DIR))}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Reports and exports read from a standby when DATABASE_REPLICA_URL is set (config.replica; docs/scaling.md).
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url_config(env("DATABASE_REPLICA_URL")),
        "ENGINE": "django_tenants.postgresql_backend",
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ("config.replica.ReplicaRouter", "django_tenants.routers.TenantSyncRouter")

TENANT_MODEL = "tenants.Company"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New company schemas are cloned from this migrated template instead of running every migration (fast onboarding).
TENANT_BASE_SCHEMA = "company_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"

# Apps whose tables live in the public schema (the provider's data). Accounts, sessions and allauth are in both
# lists: provider staff sign in on the platform domain, each company's users in the company's own schema.
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "billing",
    "provider",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "core.accounts",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",  # expiring, revocable API tokens, in each company's schema like its users
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from our own static files, not a CDN
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "frontend",
    "django_prometheus",
    "django_countries",  # no models: installed for its translated country names (the shop's country lists, issue 19)
]
TENANT_APPS = [
    "django.contrib.auth",
    "core.accounts",
    "django.contrib.sessions",
    "django.contrib.admin",
    "knox",  # expiring, revocable API tokens, in each company's schema like its users
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "core.company",
    "core.members",
    "core.commerce",
    "core.webhooks",
    "core.demotion",
    "core.communications",
    "plans",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

MIDDLEWARE = [
    # Request metrics (django-prometheus: https://github.com/django-commons/django-prometheus) wrap everything.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "config.middleware.RequestIdMiddleware",
    "config.middleware.InternalEndpointsMiddleware",
    "config.middleware.CompanyMiddleware",
    "config.request_guards.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's LocaleMiddleware, choosing among the company's languages and the person's own (issue 19).
    "config.middleware.CompanyLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "config.middleware.TwoFactorRequiredMiddleware",
    "config.middleware.SuspendedCompanyMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.platform",
            ],
        },
    },
]

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")  # Caddy serves it (infra/Caddyfile)
# Browser libraries installed from the npm registry (`make assets`), served under /static/vendor/.
STATICFILES_DIRS = [
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    # The genealogy viewer: d3's tree layout (d3-hierarchy) and zoom/pan (d3-zoom), from the d3 bundle.
    ("vendor/d3", BASE_DIR / "node_modules" / "d3" / "dist"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    # Per-company media folders: django-tenants' storage puts each company's files under its schema name.
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"

# ------------------------------------------------------------------------------------------------------------------
# Accounts (django-allauth: https://docs.allauth.org/)
# ------------------------------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Each audience lands on its own home (core.accounts.adapter.landing_url_for); this is only the fallback.
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "core.accounts.adapter.AccountAdapter"
# Two-factor sign-in (allauth.mfa): an authenticator app (TOTP) with recovery codes. Required for provider staff and,
# when the company says so, for its admins (core.accounts.mfa, config.middleware.TwoFactorRequiredMiddleware).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Canopy")
# Accounts are created by admins and invitations (ACCOUNT_EMAIL_VERIFICATION is "none"), not by open sign-up, so the
# e-mail-squatting attack allauth guards against with verified addresses does not apply here.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_TOLERANCE = 1  # also accept the code of the 30-second step before and after (phone clocks drift)
# The client's IP address, for every rate limit (allauth's, DRF's throttles, our own site_signup): the number of
# reverse proxies in front of the app that append to X-Forwarded-For. 0 (the default) trusts no header and uses
# REMOTE_ADDR, so a forged X-Forwarded-For cannot buy a fresh limit. Behind one load balancer set it to 1.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Failed logins are limited per address and per IP (stored in the cache, whose keys carry the schema).
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("LOGIN_RATE_LIMIT", default="20/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
    # Joins and customer sign-ups on the replicated sites, per IP (frontend.site.views.signup).
    "site_signup": env("SITE_SIGNUP_RATE_LIMIT", default="10/h/ip"),
    # SetupIntents for card entry with the emulator's Stripe.js stand-in (frontend.shop.views.cards), per IP.
    "card_setup": env("CARD_SETUP_RATE_LIMIT", default="30/h/ip"),
}

# ------------------------------------------------------------------------------------------------------------------
# Cache and broker (Redis). Cache keys carry the schema so companies never share an entry.
# ------------------------------------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/1"),
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="canopy"),
    }
}

# ------------------------------------------------------------------------------------------------------------------
# Celery (https://docs.celeryq.dev/) — tenant-aware through tenant-schemas-celery
# ------------------------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="canopy")
# Long runs and short jobs have queues of their own (config.queues): routed by task name.
CELERY_TASK_ROUTES = task_routes(CELERY_TASK_DEFAULT_QUEUE)
CANOPY_QUEUES = queue_names(CELERY_TASK_DEFAULT_QUEUE)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Commission runs can take minutes: a message unacknowledged for an hour must not be redelivered mid-run.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "daily-company-jobs": {
        "task": "tenants.tasks.fan_out_daily_jobs",
        "schedule": 24 * 3600,
        "options": {"expires": 12 * 3600},
    },
    # Commission runs whose worker died (no heartbeat for 2 minutes) are sent again (plans.leases).
    "commission-runs-requeue-stalled": {
        "task": "plans.tasks.runs_requeue_stalled_fan_out",
        "schedule": 60,
        "options": {"expires": 50},
    },
    # The open period calculated as if it closed now: distributors' projected commissions and rank (plans.tasks).
    "commission-projections": {
        "task": "plans.tasks.period_projections_fan_out",
        "schedule": 15 * 60,
        "options": {"expires": 14 * 60},
    },
    # Card charges left in flight by a killed process or a network error are settled from Stripe
    # (core.commerce.services.reconcile).
    "payments-reconcile": {
        "task": "tenants.tasks.payments_reconcile_fan_out",
        "schedule": 300,
        "options": {"expires": 240},
    },
    # 02:00 UTC on the 1st: every company's previous month is closed, invoiced and charged (billing.tasks).
    "billing-monthly-close": {
        "task": "billing.tasks.close_month",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
        "options": {"expires": 20 * 3600},
    },
    # 06:00 UTC daily: dunning retries and (if enabled) suspensions.
    "billing-dunning": {
        "task": "billing.tasks.run_dunning",
        "schedule": crontab(minute=0, hour=6),
        "options": {"expires": 12 * 3600},
    },
}

# ------------------------------------------------------------------------------------------------------------------
# REST API (DRF + drf-spectacular)
# ------------------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an API client without credentials gets 401 with `WWW-Authenticate: Token`.
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "config.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.CanopyAutoSchema",
    "EXCEPTION_HANDLER": "config.api.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "10/min", "signup": "20/hour"},
    # Same client IP as allauth (see TRUSTED_PROXY_COUNT): DRF's default (None) would trust any X-Forwarded-For.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# API tokens (django-rest-knox: https://jazzband.github.io/django-rest-knox/): stored as SHA-512 digests, they expire
# after API_TOKEN_TTL_HOURS and are revoked on API logout and on every password change (core.accounts.adapter).
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=24)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
# Request bodies: 2.5 MB for forms and JSON (Django's default); file uploads (imports, pictures) up to 100 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=100 * 1_048_576)

SPECTACULAR_SETTINGS = {
    "TITLE": "Canopy API",
    "DESCRIPTION": "Company API (on each company's domain) and provider API (on the platform domain).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# ------------------------------------------------------------------------------------------------------------------
# Content-Security-Policy (django-csp: https://django-csp.readthedocs.io/) — every environment, so a page that breaks
# it fails in development and in the browser tests, not in production. Scripts only from our own static files (no
# inline script, no eval: htmx runs with allowEval off); styles from our files plus the one nonce'd <style> that sets
# the company's brand colour (base.html) and the API docs' page style. Widths and colours set from JavaScript
# (CSSOM) are not inline styles and need no exception.
# ------------------------------------------------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],  # allauth's TOTP QR code and Swagger UI's icons are data: images
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# ------------------------------------------------------------------------------------------------------------------
# Email
# ------------------------------------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Canopy <no-reply@canopy.local>")
# Domains verified with the mail provider (SPF/DKIM) that companies may send from ("acme.com,greenleaf.com"). A company
# whose sender address is on another domain sends from DEFAULT_FROM_EMAIL's address under its own name, with Reply-To
# its address (core.company.services.company_sender).
VERIFIED_SENDING_DOMAINS = env.list("VERIFIED_SENDING_DOMAINS", default=[])

# ------------------------------------------------------------------------------------------------------------------
# Stripe (the provider's account for billing companies; each company's own keys live in its settings)
# ------------------------------------------------------------------------------------------------------------------
STRIPE_API_KEY = env("STRIPE_API_KEY", default="sk_test_canopy_development")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="whsec_canopy_development")
# Card entry on the pages runs Stripe.js (frontend.common.payments): the publishable key used where a company has set
# none, and where Stripe.js comes from (default: Stripe's, or the emulator's stand-in when STRIPE_API_BASE is set). Card
# pages alone get these origins in their Content-Security-Policy.
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_JS_URL = env("STRIPE_JS_URL", default="")

# ------------------------------------------------------------------------------------------------------------------
# Outgoing webhooks (core.webhooks): companies' own endpoints, signed with HMAC-SHA256, retried with backoff
# ------------------------------------------------------------------------------------------------------------------
# Plain http:// and loopback/private hosts are for development and tests only; otherwise endpoints must be https.
WEBHOOKS_ALLOW_INSECURE_URLS = env.bool("WEBHOOKS_ALLOW_INSECURE_URLS", default=DEBUG)
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=8)
WEBHOOKS_RETRY_BACKOFF_SECONDS = env.int("WEBHOOKS_RETRY_BACKOFF_SECONDS", default=60)  # 60 s, 2 min, 4 min ...
WEBHOOKS_RETRY_BACKOFF_MAX_SECONDS = env.int("WEBHOOKS_RETRY_BACKOFF_MAX_SECONDS", default=6 * 3600)
WEBHOOKS_TIMEOUT_SECONDS = env.int("WEBHOOKS_TIMEOUT_SECONDS", default=10)
# How webhook hosts are resolved before every delivery (core.webhooks.egress); tests swap in a hostile DNS.
WEBHOOKS_DNS_RESOLVER = "core.webhooks.egress.system_resolver"

# Logs: every line carries the company (schema) and request id (config.logs); JSON lines when LOG_JSON is on (the
# production default), readable text otherwise. LOG_REQUESTS adds one line per request (method, path, status, time).
LOG_JSON = env.bool("LOG_JSON", default=False)
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=False)
LOGGING = logging_config(json_lines=LOG_JSON, level=env("LOG_LEVEL", default="INFO"))
