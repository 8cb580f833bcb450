from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "kizuna.sla"
    label = "sla"
    verbose_name = "Service levels"

    def ready(self) -> None:
        # Models are loaded only now. From here on, acknowledgements promise times under the
        # matching SLA policy, in its calendar's business time.
        from kizuna.sla.services import PolicyServiceLevels
        from kizuna.tickets.services import service_levels_install

        service_levels_install(PolicyServiceLevels())
