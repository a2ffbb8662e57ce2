from django.apps import AppConfig


class CommunicationsConfig(AppConfig):
    name = "core.communications"
    label = "communications"
    verbose_name = "Company pages, announcements, training and newsletter"
