from django.apps import AppConfig


class ClosingConfig(AppConfig):
    name = "kizuna.closing"
    label = "closing"

    def ready(self) -> None:
        # From here on, resolving a request sets when it is reminded and closed (P10).
        from kizuna.closing.schedule import on_ticket_changed
        from kizuna.tickets.signals import ticket_changed

        ticket_changed.connect(on_ticket_changed, dispatch_uid="kizuna-closing-schedule")
