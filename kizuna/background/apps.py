from django.apps import AppConfig


class BackgroundConfig(AppConfig):
    name = "kizuna.background"
    label = "background"
    verbose_name = "Background work"
