from django.apps import AppConfig


class ClosingConfig(AppConfig):
    name = "kizuna.closing"
    label = "closing"
