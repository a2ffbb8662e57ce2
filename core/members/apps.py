from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "core.members"
    label = "members"
