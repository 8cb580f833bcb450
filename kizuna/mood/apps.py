from django.apps import AppConfig


class MoodConfig(AppConfig):
    name = "kizuna.mood"
    label = "mood"
    verbose_name = "Customer mood"

    def ready(self) -> None:
        # From here on every customer message gets its mood, and an agent's answer puts the
        # ticket back in its place in the queue (P8).
        from kizuna.mood.receivers import on_message_received, on_ticket_changed
        from kizuna.tickets.signals import message_received, ticket_changed

        message_received.connect(on_message_received, dispatch_uid="kizuna-mood")
        ticket_changed.connect(on_ticket_changed, dispatch_uid="kizuna-mood-answered")
