from django.apps import AppConfig


class ThrottlesConfig(AppConfig):
    name = "kizuna.throttles"
    label = "throttles"
    verbose_name = "Throttles"

    def ready(self) -> None:
        from kizuna.throttles import checks  # noqa: F401 - registers the deploy check
