"""Tests: a test database and Redis key space of their own, so parallel checkouts (and the parallel workers of one
run, `make test` runs two) never collide."""

import os
import re

from config.queues import queue_names, task_routes
from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, DATABASES, REDIS_URL, env

PLATFORM_DOMAIN = "canopy.test"
ALLOWED_HOSTS = [PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}", "localhost", ".localhost", "127.0.0.1"]
# One checkout, one test database: derived from the checkout's folder name unless set.
_checkout = re.sub(r"[^a-z0-9_]", "_", BASE_DIR.name.lower())
TEST_RUN_ID = env("CANOPY_TEST_ID", default=_checkout)
# pytest-xdist's workers (gw0, gw1) each get a database, cache prefix, Celery queue and media folder of their own; the
# worker's subprocesses (Celery worker, live server) inherit the variable, so they agree.
if os.environ.get("PYTEST_XDIST_WORKER"):
    TEST_RUN_ID = f"{TEST_RUN_ID}_{os.environ['PYTEST_XDIST_WORKER']}"
DATABASES["default"]["TEST"] = {"NAME": f"test_canopy_{TEST_RUN_ID}"}
DATABASES["default"]["CONN_MAX_AGE"] = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES["default"]["LOCATION"] = REDIS_URL.rsplit("/", 1)[0] + "/14"  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = f"test-{TEST_RUN_ID}"  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = f"canopy-test-{TEST_RUN_ID}"
CELERY_TASK_ROUTES = task_routes(CELERY_TASK_DEFAULT_QUEUE)
CANOPY_QUEUES = queue_names(CELERY_TASK_DEFAULT_QUEUE)
CELERY_BROKER_URL = REDIS_URL.rsplit("/", 1)[0] + "/13"
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_TASK_ALWAYS_EAGER = False
STRIPE_API_BASE = env("STRIPE_API_BASE", default="http://localhost:8420")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="pk_test_canopy_emulator")
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / f"test-media-{TEST_RUN_ID}"
# The browser tests' server process serves static files through WhiteNoise straight from the finders.
WHITENOISE_USE_FINDERS = True
# The webhook tests post to a local http.server on 127.0.0.1.
WEBHOOKS_ALLOW_INSECURE_URLS = True
# The browser tests enter many cards from 127.0.0.1 in an hour (frontend.shop.views.cards).
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "card_setup": "1000/h/ip"}  # noqa: F405
