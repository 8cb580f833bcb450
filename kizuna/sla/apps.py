from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "kizuna.sla"
    label = "sla"
    verbose_name = "Service levels"

    def ready(self) -> None:
        # Models are loaded only now. From here on, acknowledgements promise times under the
        # matching SLA policy, in its calendar's business time.
        from kizuna.sla.clocks import on_ticket_changed
        from kizuna.sla.services import PolicyServiceLevels
        from kizuna.tickets.services import service_levels_install
        from kizuna.tickets.signals import ticket_changed

        service_levels_install(PolicyServiceLevels())
        # Every change of a ticket moves its deadlines, in the same transaction.
        ticket_changed.connect(on_ticket_changed, dispatch_uid="kizuna-sla-clocks")
