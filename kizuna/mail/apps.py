from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "kizuna.mail"
    label = "mail"
    verbose_name = "Email channel"

    def ready(self) -> None:
        # Models are loaded only now; every message stored for a customer gets its delivery.
        from kizuna.mail.tasks import deliver_when_stored
        from kizuna.tickets.signals import message_for_customer

        message_for_customer.connect(deliver_when_stored, dispatch_uid="kizuna-mail-delivery")
