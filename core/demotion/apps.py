from django.apps import AppConfig


class DemotionConfig(AppConfig):
    name = "core.demotion"
    label = "demotion"
    verbose_name = "Demotion policy"
