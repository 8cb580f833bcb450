"""The customer's feedback page (P10), reached by the signed link in the resolution, reminder
and closing letters, with no sign-in: how the request was resolved, "how satisfied are you?"
(1–5 and a comment) and "may we close this request?".

GET only shows (mail scanners that open links change nothing); POST acts. An expired,
altered or outdated link gets a page that says so, in the reader's language, and changes
nothing.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kizuna.closing import links
from kizuna.closing import services as closing
from kizuna.closing.selectors import latest_rating
from kizuna.tickets.models import Status
from kizuna.tickets.workflow import TicketError

RATINGS = [
    ("5", gettext_lazy("5 – Very satisfied")),
    ("4", gettext_lazy("4 – Satisfied")),
    ("3", gettext_lazy("3 – Neither")),
    ("2", gettext_lazy("2 – Dissatisfied")),
    ("1", gettext_lazy("1 – Very dissatisfied")),
]


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=gettext_lazy("How satisfied are you with how we handled this request?"),
        choices=RATINGS,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=closing.MAX_COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _invalid(request, reason: str):
    status = 404 if reason == "invalid" else 410
    return render(request, "portal/feedback_invalid.html", {"reason": reason}, status=status)


@require_http_methods(["GET", "POST"])
def feedback(request, token: str):
    try:
        found = links.read_token(token)
    except links.LinkError as e:
        return _invalid(request, e.reason)
    ticket = found.ticket
    notice, status = "", 200
    with translation.override(ticket.language):
        form = RatingForm()
        if request.method == "POST" and request.POST.get("action") == "close":
            if closing.close_by_customer(feedback=found):
                notice = _("Thank you. The request is now closed.")
            else:
                notice = _(
                    "This request is already closed, or has been reopened: nothing was changed."
                )
                status = 409
        elif request.method == "POST":
            form = RatingForm(request.POST)
            if form.is_valid():
                try:
                    closing.satisfaction_record(
                        feedback=found,
                        rating=form.cleaned_data["rating"],
                        comment=form.cleaned_data["comment"],
                    )
                    notice = _("Thank you for your answer. It helps us do better.")
                    form = RatingForm()
                except TicketError as e:
                    form.add_error(e.field if e.field in form.fields else None, e.message)
            if form.errors:
                status = 400
        ticket.refresh_from_db(fields=["status", "closed_at", "close_reason"])
        response = render(
            request,
            "portal/feedback.html",
            {
                "ticket": ticket,
                "report": found.report,
                "form": form,
                "notice": notice,
                "rating": latest_rating(ticket=ticket),
                "can_close": ticket.status == Status.RESOLVED,
                "token": token,
            },
            status=status,
        )
    # The page speaks the customer's language, whatever the browser asked for.
    response["Content-Language"] = ticket.language
    return response
