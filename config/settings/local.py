"""Development: DEBUG on, console email, hosts under localhost (acme.localhost resolves to loopback)."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DEBUG", default=True)
SHOP_TEST_CARDS = env.bool("SHOP_TEST_CARDS", default=True)
PLATFORM_PORT = env("PLATFORM_PORT", default="8000")
