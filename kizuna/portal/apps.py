from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kizuna.portal"
    label = "portal"
