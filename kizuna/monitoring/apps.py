from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "kizuna.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"
