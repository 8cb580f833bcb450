"""`kizuna apitoken USERNAME [--name NAME]`: create an API token for an agent and print it once."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kizuna.api.models import ApiToken
from kizuna.tickets.access import is_agent


class Command(BaseCommand):
    help = (
        "Create an API token for an agent. The token is printed once; only its SHA-256 is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="the agent's username")
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'monitoring'")

    def handle(self, *args, username: str, name: str, **options):
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not is_agent(user):
            raise CommandError(
                f"{username!r} is not an active agent (an agent profile or staff status is needed); "
                "API tokens are for agents only."
            )
        if len(name) > 100:
            raise CommandError("--name is too long (at most 100 characters).")
        token = secrets.token_urlsafe(32)
        ApiToken.objects.create(user=user, name=name, token_hash=ApiToken.hash(token))
        self.stdout.write(token)
        self.stderr.write(
            f"Created an API token for {username}. It is shown only this once; "
            "send it as 'Authorization: Bearer TOKEN'."
        )
