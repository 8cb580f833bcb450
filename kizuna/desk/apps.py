from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "kizuna.desk"
    label = "desk"
