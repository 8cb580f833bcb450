from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "kizuna.letters"
    label = "letters"
