from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "core.commerce"
    label = "commerce"
