from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "kizuna.intake"
    label = "intake"
