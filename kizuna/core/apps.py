from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The project-wide commands (`serve`, `worker`, `demo`, `generate_tickets`): they start
    and combine the other apps, so this app sits above all of them."""

    name = "kizuna.core"
    label = "core"
    verbose_name = "Kizuna"
