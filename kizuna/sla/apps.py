from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "kizuna.sla"
    label = "sla"
    verbose_name = "Service levels"
