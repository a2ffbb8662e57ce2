"""Development: DEBUG on, console email, hosts under localhost (acme.localhost resolves to loopback)."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DEBUG", default=True)
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="pk_test_canopy_development")
PLATFORM_PORT = env("PLATFORM_PORT", default="8000")
