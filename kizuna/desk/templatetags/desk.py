from django import template

from kizuna.lib.names import person_name
from kizuna.tickets.models import Status

register = template.Library()


@register.filter
def person(user) -> str:
    return person_name(user)


@register.filter
def status_label(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value
