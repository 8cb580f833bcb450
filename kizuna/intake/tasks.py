"""Background work of intake: the new requests of a batch of mail, in one piece."""

from __future__ import annotations

from django_tasks import task

from kizuna.intake.services import requests_read


@task()
def intake_read_requests(message_ids: list[int]) -> int:
    """Record P9's facts for the requests whose first messages these are."""
    return requests_read(message_ids)
