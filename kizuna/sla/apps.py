from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "kizuna.sla"
    label = "sla"
    verbose_name = "Service levels"

    def ready(self) -> None:
        # Models are loaded only now. From here on, acknowledgements promise times under the
        # matching SLA policy, in its calendar's business time.
        from django.db.models.signals import post_delete, post_save

        from kizuna.sla.clocks import on_ticket_changed, on_tickets_opened
        from kizuna.sla.ledger import on_promises_made
        from kizuna.sla.models import BusinessCalendar, SlaPolicy
        from kizuna.sla.services import PolicyServiceLevels, sla_cache_clear
        from kizuna.tickets.models import Organization
        from kizuna.tickets.services import service_levels_install
        from kizuna.tickets.signals import promises_made, ticket_changed, tickets_opened

        service_levels_install(PolicyServiceLevels())
        # Every change of a ticket moves its deadlines, in the same transaction.
        tickets_opened.connect(on_tickets_opened, dispatch_uid="kizuna-sla-opened")
        ticket_changed.connect(on_ticket_changed, dispatch_uid="kizuna-sla-clocks")
        # Promises an agent confirmed become tracked commitments, in the same transaction.
        promises_made.connect(on_promises_made, dispatch_uid="kizuna-sla-promises")
        # Policies and tiers are kept for a few seconds per process; a save clears them.
        for model in (SlaPolicy, BusinessCalendar, Organization):
            for signal in (post_save, post_delete):
                signal.connect(
                    sla_cache_clear, sender=model, dispatch_uid=f"sla-cache-{model.__name__}"
                )
