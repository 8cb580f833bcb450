from django import template
from django.utils import dateformat

from kizuna.lib.names import person_name
from kizuna.lib.timefmt import localtime_or_utc
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


@register.filter
def stamp(value, fmt: str = "Y-m-d H:i T") -> str:
    """A date in the viewer's time zone, formatted as the `date` filter does; a stored date
    at the very end of the calendar is shown as it is instead of failing the page."""
    if not value:
        return ""
    return dateformat.format(localtime_or_utc(value), fmt)
