"""Showing mail text in the desk: the new text first, quoted mail and signature folded."""

from django import template

from kizuna.mail.quoting import split_quoted

register = template.Library()


@register.filter
def quoted_parts(text: str) -> tuple[str, str]:
    """(new text, folded part) of a message body; nothing is dropped."""
    return split_quoted(text or "")
