"""Background work for tickets: mail to customers leaves through the task queue."""

from __future__ import annotations

from django_tasks import task

from kizuna.tickets import mail


@task()
def message_deliver(message_id: int) -> None:
    mail.message_send(message_id=message_id)
