from django.apps import AppConfig


class MoodConfig(AppConfig):
    name = "kizuna.mood"
    label = "mood"
    verbose_name = "Customer mood"
