"""How each mood reads in the desk (P8)."""

from django.utils.translation import gettext_lazy as _

MOOD_LABELS = {
    "calm": _("Calm"),
    "concerned": _("Concerned"),
    "upset": _("Upset"),
    "panicking": _("Panicking"),
}
