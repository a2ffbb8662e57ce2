from django.apps import AppConfig


class FleetProbeConfig(AppConfig):
    name = "bench.fleet_probe"
    label = "fleet_probe"
    default_auto_field = "django.db.models.BigAutoField"
