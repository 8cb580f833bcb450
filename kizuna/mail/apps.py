from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "kizuna.mail"
    label = "mail"
    verbose_name = "Email channel"
