from django.apps import AppConfig


class ReplycheckConfig(AppConfig):
    name = "kizuna.replycheck"
    label = "replycheck"
