"""Settings for `make bench NAME=fleet`: the development settings plus the bench-only tenant app
bench.fleet_probe, whose migrations module depends on FLEET_PHASE (1: migration 0001; 2: 0001 and the new 0002)."""

import os

from config.settings.local import *  # noqa: F403
from config.settings.local import INSTALLED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "bench.fleet_probe.apps.FleetProbeConfig"]
INSTALLED_APPS = [*INSTALLED_APPS, "bench.fleet_probe.apps.FleetProbeConfig"]
MIGRATION_MODULES = {"fleet_probe": f"bench.fleet_probe.migrations_v{os.environ.get('FLEET_PHASE', '1')}"}
DEBUG = False
ALLOWED_HOSTS = ["*"]
