"""The desk's search page: results as the agent types (htmx), with filters and snippets."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kizuna.desk.views import agent_required
from kizuna.lib.ids import parse_id
from kizuna.lib.text import without_controls
from kizuna.search import scope
from kizuna.search.models import SearchDocument
from kizuna.search.query import search
from kizuna.tickets import access, selectors
from kizuna.tickets.models import Status

RESULTS = 30


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=1000, required=False, strip=True)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False
    )
    organization = forms.CharField(label=_("Organization"), required=False)
    assignee = forms.CharField(label=_("Assignee"), required=False)
    team = forms.CharField(label=_("Team"), required=False)
    opened_from = forms.DateField(label=_("Opened from"), required=False)
    opened_to = forms.DateField(label=_("Opened until"), required=False)

    def clean_q(self) -> str:
        # A pasted control character must not join two words into one.
        return without_controls(self.cleaned_data["q"], " ")

    def clean(self):
        data = super().clean()
        start, end = data.get("opened_from"), data.get("opened_to")
        if start and end and start > end:
            self.add_error("opened_to", _("The end of the range is before its start."))
        return data


@require_GET
@agent_required
def search_page(request):
    form = SearchForm(request.GET or None)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        assignee = data["assignee"]
        tickets = scope.narrowed(
            access.tickets_for_agent(request.user),
            status=data["status"],
            organization_id=parse_id(data["organization"]),
            assignee_id=request.user.id if assignee == "me" else parse_id(assignee),
            unassigned=assignee == "none",
            team_id=parse_id(data["team"]),
            opened_from=data["opened_from"],
            opened_to=data["opened_to"],
            tz=timezone.get_current_timezone(),
        )
        if data["q"]:
            result = search(data["q"], tickets=tickets, limit=RESULTS)
            # Enter on a reference (KZ-000123, or 123) opens the ticket.
            if result.reference is not None and not request.htmx:
                return redirect("desk:ticket", ticket_id=result.reference.pk)
    context = {
        "form": form,
        "result": result,
        # No document at all: the index was never built (data loaded around Kizuna).
        "index_empty": result is not None
        and not result.hits
        and not SearchDocument.objects.exists(),
    }
    if request.htmx and request.htmx.target == "search-results":
        return render(request, "desk/_search_results.html", context)
    context.update(
        statuses=Status.choices,
        agents=selectors.active_agents(),
        organizations=selectors.organization_choices(),
        teams=selectors.teams(),
    )
    return render(request, "desk/search.html", context)
