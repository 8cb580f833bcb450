from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "kizuna.intake"
    label = "intake"

    def ready(self) -> None:
        # From here on every new request is read for P9's facts once it is stored.
        from kizuna.intake.receivers import on_message_received
        from kizuna.tickets.signals import message_received

        message_received.connect(on_message_received, dispatch_uid="kizuna-intake")
