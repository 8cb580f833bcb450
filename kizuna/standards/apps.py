from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "kizuna.standards"
    label = "standards"

    def ready(self) -> None:
        # Models are loaded only now. From here on the ticket services check every reply and
        # status note against the team's standard, and record overrides.
        from kizuna.standards.services import StandardReviewer
        from kizuna.tickets.services import draft_reviewer_install

        draft_reviewer_install(StandardReviewer())
