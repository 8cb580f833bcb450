from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ApiConfig(AppConfig):
    name = "kizuna.api"
    label = "api"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from kizuna.api.models import ApiToken
        from kizuna.api.tokens import forget_tokens
        from kizuna.tickets.models import AgentProfile

        for model in (ApiToken, get_user_model(), AgentProfile):
            post_save.connect(
                forget_tokens, sender=model, dispatch_uid=f"forget-tokens-save-{model.__name__}"
            )
            post_delete.connect(
                forget_tokens, sender=model, dispatch_uid=f"forget-tokens-del-{model.__name__}"
            )
