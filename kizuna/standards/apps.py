from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "kizuna.standards"
    label = "standards"
