from django import template
from django.utils import dateformat
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from kizuna.lib.names import person_name
from kizuna.lib.timefmt import localtime_or_utc
from kizuna.notifications.selectors import unread_count
from kizuna.tickets import access
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


@register.filter
def business_duration(minutes) -> str:
    """480 as "8 h (480 min)": business time reads best in hours, exact in minutes."""
    if not isinstance(minutes, int):
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(m)s min") % {"m": minutes}
    if rest:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": rest}
    return _("%(h)s h (%(m)s min)") % {"h": hours, "m": minutes}


@register.simple_tag
def unread_notifications(user) -> int:
    """How many of the agent's notifications are unread (shown beside the desk's menu)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return unread_count(user=user)


@register.filter
def highlighted(snippet: str, highlights) -> str:
    """The snippet with each found word in <mark>, everything else escaped."""
    out, last = [], 0
    for start, end in sorted(highlights or ()):
        if start < last:
            continue
        out += [escape(snippet[last:start]), "<mark>", escape(snippet[start:end]), "</mark>"]
        last = end
    out.append(escape(snippet[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


# What the menu offers follows the role (tickets/access.py, docs/access.md).
register.filter("may_manage", access.may_manage)
register.filter("may_read_reports", access.may_read_reports)
register.filter("is_admin", access.is_admin)
