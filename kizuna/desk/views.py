"""The agent desk (see docs/overview.md and docs/standard.md): a queue ordered by what falls
due next, and the ticket page (P1, P10).

Views check access, call one service, and render; htmx requests get the fragment that
changed instead of a whole page.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kizuna.closing import selectors as closing_selectors
from kizuna.closing import services as closing
from kizuna.desk import bulk, composer, saved_views
from kizuna.desk.bulk import BulkForm
from kizuna.desk.forms import (
    AssignForm,
    CcForm,
    DraftCheckForm,
    NoteForm,
    OnBehalfForm,
    ReplyForm,
    RuleSettingForm,
    SignatureForm,
    StatusForm,
)
from kizuna.desk.promise_review import Review, promises_to_keep, review_kept
from kizuna.desk.rows import DUE_SOON, queue_rows
from kizuna.intake import selectors as intake_selectors
from kizuna.lib.downloads import attachment_response
from kizuna.lib.ids import MAX_ID, parse_id
from kizuna.lib.text import without_controls
from kizuna.lib.uploads import incoming_files
from kizuna.mail import selectors as mail_selectors
from kizuna.mood import selectors as mood_selectors
from kizuna.mood.labels import MOOD_LABELS
from kizuna.sla import selectors as sla_selectors
from kizuna.sla import services as sla_services
from kizuna.standards import selectors as standard_selectors
from kizuna.standards import services as standard_services
from kizuna.standards.services import CheckBlocked
from kizuna.tickets import access, copies, merge, selectors, services
from kizuna.tickets.models import AgentProfile, MessageKind, Status, parse_ticket_id
from kizuna.tickets.workflow import TicketError

PAGE_SIZE = 50
# How often an open queue page refreshes its table.
QUEUE_REFRESH_SECONDS = 30
# Beyond this a page's offset would not fit the database's integers.
MAX_PAGE = MAX_ID // PAGE_SIZE - 1


def agent_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not access.is_agent(request.user):
            raise Http404("Not an agent.")
        return view(request, *args, **kwargs)

    return wrapper


def _int(value) -> int | None:
    """An id from a query parameter; None (the filter is left out) when it is not one."""
    return parse_id(value)


def _since(value) -> datetime | None:
    """The moment the agent opened the queue, from a refresh (seconds since 1970); None when
    absent, unreadable or not in the past day (an old bookmark marks nothing)."""
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()) or len(value) > 12:
        return None
    now = timezone.now()
    try:
        moment = datetime.fromtimestamp(int(value), tz=UTC)
    except (OverflowError, OSError, ValueError):  # beyond the calendar
        return None
    return moment if now - timedelta(days=1) <= moment <= now else None


def _query_text(value: str) -> str:
    # Words to look for: characters no stored text holds (NUL, controls) cannot match.
    return without_controls(value)


@require_GET
@agent_required
def queue(request):
    return _render_queue(request, request.GET)


def _due_before(due: str) -> datetime | None:
    """The "Due" filter: within the hour (or overdue), or by the end of the agent's day."""
    if due == "1h":
        return timezone.now() + DUE_SOON
    if due == "today":
        local = timezone.localtime()
        return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return None


def _render_queue(
    request, params: QueryDict, *, bulk_form=None, view_error: str = "", status: int = 200
):
    """The queue with the filters in `params` (the page's query string; for a bulk action
    that failed, the one the agent was looking at)."""
    GET = params  # noqa: N806 - read exactly like request.GET
    status_filter = GET.get("status", "")
    if status_filter not in Status.values:
        status_filter = ""
    assignee = GET.get("assignee", "")
    organization_id = _int(GET.get("organization"))
    page_number = min(_int(GET.get("page")) or 1, MAX_PAGE)
    q = _query_text(GET.get("q", ""))
    due = GET.get("due", "")
    if due not in ("1h", "today"):
        due = ""
    qs = selectors.queue(
        access.tickets_for_agent(request.user),
        status=status_filter,
        assignee_id=request.user.id if assignee == "me" else _int(assignee),
        unassigned=assignee == "none",
        organization_id=organization_id,
        q=q,
        due_before=_due_before(due),
    )
    # Only the columns a queue row shows: the page is read far more often than anything else.
    qs = qs.only(
        "id",
        "subject",
        "status",
        "priority",
        "next_checkpoint",
        "next_due",
        "attention",
        "customer_mood",
        "assignee_id",
        "organization__name",
        "requester__name",
        "assignee__username",
        "assignee__first_name",
        "assignee__last_name",
        "created_at",
        "updated_at",
    )
    tickets, has_next = selectors.page(qs, number=page_number, size=PAGE_SIZE)
    # The table refreshes itself; tickets opened or changed since the agent opened the page
    # are marked until they load it again (the refreshes carry that moment as `since`).
    since = _since(GET.get("since"))
    refresh = GET.copy()
    refresh["since"] = str(int((since or timezone.now()).timestamp()))
    params = GET.copy()
    params.pop("page", None)
    params.pop("since", None)
    context = {
        "rows": queue_rows(
            tickets,
            poor_ratings=closing_selectors.with_open_follow_ups([t.id for t in tickets]),
            since=since,
        ),
        "refresh_query": refresh.urlencode(),
        "refresh_seconds": QUEUE_REFRESH_SECONDS,
        "now": timezone.now(),
        "page_number": page_number,
        "has_next": has_next,
        "query": params.urlencode(),
        "filters": {
            "status": status_filter,
            "assignee": assignee,
            "organization": organization_id,
            "q": q,
            "due": due,
        },
        "back": GET.urlencode(),
    }
    if request.htmx and request.htmx.target == "queue-table":
        return render(request, "desk/_queue_table.html", context)
    context.update(
        statuses=Status.choices,
        agents=selectors.active_agents(),
        organizations=selectors.organization_choices(),
        bulk_form=bulk_form or BulkForm(),
        bulk_statuses=bulk.BULK_STATUSES,
        saved_views=saved_views.views_for(request.user),
        view_error=view_error,
    )
    return render(request, "desk/queue.html", context, status=status)


@require_POST
@agent_required
def view_save(request):
    """Save the queue's current filters under a name (desk/saved_views.py)."""
    back = QueryDict(request.POST.get("back", "")[:2000])
    try:
        view = saved_views.view_save(
            user=request.user, name=request.POST.get("name", ""), params=back
        )
    except TicketError as e:
        return _render_queue(request, back, view_error=e.message, status=400)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(f"{reverse('desk:queue')}?{view.query}")


@require_POST
@agent_required
def view_delete(request, view_id: int):
    if not saved_views.view_delete(user=request.user, view_id=view_id):
        raise Http404("No such view.")
    return redirect("desk:queue")


@require_POST
@agent_required
def queue_bulk(request):
    """A status, assignee or priority for the tickets ticked in the queue (desk/bulk.py)."""
    back = QueryDict(request.POST.get("back", "")[:2000])
    form = BulkForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        found = access.tickets_for_agent(request.user).in_bulk(data["tickets"])
        tickets = [found[i] for i in data["tickets"] if i in found]
        try:
            outcome = bulk.apply(data, tickets=tickets, actor_user=request.user)
        except CheckBlocked as e:
            form.blocked = _findings_context(data["customer_note"], e.result)
            form.add_error("customer_note", e.message)
        except TicketError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            missing = len(data["tickets"]) - len(tickets)
            if outcome.changed:
                messages.success(
                    request,
                    _("Changed: %(refs)s.") % {"refs": ", ".join(outcome.changed)},
                )
            for reference, why in outcome.refused:
                messages.warning(request, f"{reference}: {why}")
            if missing:
                messages.warning(
                    request, _("%(n)d selected ticket(s) no longer exist.") % {"n": missing}
                )
            return redirect(f"{reverse('desk:queue')}?{back.urlencode()}")
    return _render_queue(request, back, bulk_form=form, status=400)


def _conversation(request, ticket) -> list:
    messages = list(access.messages_for_agent(ticket))
    moods = mood_selectors.moods_for(m.id for m in messages if m.kind == MessageKind.INBOUND)
    for m in messages:
        m.mood_view = moods.get(m.id)
    if access.is_admin(request.user):
        # Administrators can open the mail exactly as it arrived (headers, raw .eml).
        originals = mail_selectors.original_mail_ids(
            [m.id for m in messages if m.kind == MessageKind.INBOUND]
        )
        for m in messages:
            m.original_mail_id = originals.get(m.id)
    return messages


def _suggestions(ticket) -> list[dict]:
    """Checkpoints inside business hours to offer beside the date fields, as the
    datetime-local value (the agent's zone) and a label."""
    now = timezone.now()
    zone = timezone.get_current_timezone()
    return [
        {"label": s.label, "value": f"{s.when.astimezone(zone):%Y-%m-%dT%H:%M}"}
        for s in sla_services.checkpoint_suggestions(
            organization_id=ticket.organization_id, priority=ticket.priority, now=now, shown_in=zone
        )
    ]


def _mood_suggestion(conversation) -> str:
    """When the customer's latest message is upset or panicking, the composer says so and
    suggests the letters written for it (P8, P11)."""
    latest = next((m for m in reversed(conversation) if m.kind == MessageKind.INBOUND), None)
    view = getattr(latest, "mood_view", None)
    if view is None or not view.raised:
        return ""
    return _(
        "The customer's last message reads as %(mood)s (%(why)s). Stay calm and concrete: start "
        "from the status update letter, or the bad-news letter if the news is bad, and say "
        "when they will hear from you next."
    ) % {"mood": view.label.lower(), "why": "; ".join(view.reasons[:3])}


def _ticket_context(request, ticket, **forms):
    next_update = services.update_due(ticket, now=timezone.now())
    next_update = timezone.localtime(next_update).replace(second=0, microsecond=0)
    conversation = _conversation(request, ticket)
    intake_facts = intake_selectors.facts_for(ticket=ticket)
    return {
        "checkpoint_suggestions": _suggestions(ticket),
        "clocks": sla_selectors.ticket_clocks(ticket_id=ticket.id, now=timezone.now()),
        "ticket": ticket,
        "conversation": conversation,
        "mood_suggestions": _mood_suggestion(conversation),
        # The mood of the customer's latest message, when it is not calm (P8).
        "ticket_mood": MOOD_LABELS.get(ticket.customer_mood)
        if ticket.customer_mood != "calm"
        else "",
        "events": list(selectors.recent_events(ticket=ticket, limit=50)),
        "now": timezone.now(),
        "reply_form": forms.get("reply_form") or ReplyForm(ticket=ticket),
        "resolution": selectors.latest_resolution(ticket=ticket),
        "linked": selectors.linked_tickets(ticket=ticket),
        "recent_moods": mood_selectors.recent_moods(contact_id=ticket.requester_id),
        "intake_facts": intake_facts,
        "missing_facts": bool(intake_facts and any(not f["given"] for f in intake_facts)),
        "rating": closing_selectors.latest_rating(ticket=ticket),
        "follow_ups": closing_selectors.open_follow_ups(ticket=ticket),
        "note_form": forms.get("note_form") or NoteForm(),
        "status_form": forms.get("status_form")
        or StatusForm(ticket=ticket, initial={"checkpoint": next_update}),
        "assign_form": forms.get("assign_form")
        or AssignForm(
            initial={
                "assignee": ticket.assignee_id,
                "team": ticket.team_id,
                "priority": ticket.priority,
            }
        ),
        "cc_form": forms.get("cc_form") or CcForm(initial={"cc": ", ".join(ticket.cc or ())}),
        "open_tab": forms.get("open_tab", "reply"),
        "merge_error": forms.get("merge_error", ""),
        "merge_target": forms.get("merge_target", ""),
    }


def _render_ticket(request, ticket, *, status=200, **forms):
    template = "desk/_ticket_main.html" if request.htmx else "desk/ticket.html"
    return render(request, template, _ticket_context(request, ticket, **forms), status=status)


@require_GET
@agent_required
def ticket_detail(request, ticket_id: int):
    ticket = access.get_ticket_for_agent(request.user, ticket_id)
    return _render_ticket(request, ticket)


def _done(request, ticket):
    if request.htmx:
        return _render_ticket(request, ticket)
    return redirect("desk:ticket", ticket_id=ticket.id)


def _failed(request, ticket, form_name: str, form, tab: str):
    # htmx swaps only 2xx answers by default: a form with errors comes back as 200 so the
    # agent sees the message in place; a plain form post gets a 400 page with the same form.
    return _render_ticket(
        request, ticket, status=200 if request.htmx else 400, **{form_name: form, "open_tab": tab}
    )


@require_POST
@agent_required
def ticket_reply(request, ticket_id: int):
    ticket = access.get_ticket_for_agent(request.user, ticket_id)
    if "use_letter" in request.POST:
        form = composer.reply_from_letter(request.POST, ticket=ticket, agent=request.user)
        return _render_ticket(request, ticket, reply_form=form, open_tab="reply")
    form = ReplyForm(request.POST, request.FILES, ticket=ticket)
    if form.is_valid():
        kept = promises_to_keep(
            data=request.POST, ticket=ticket, text=form.cleaned_data["body"], now=timezone.now()
        )
        if isinstance(kept, Review):
            form.promise_review = kept
            return _failed(request, ticket, "reply_form", form, "reply")
        form.promise_review = review_kept(request.POST)
        try:
            services.ticket_reply(
                ticket=ticket,
                actor_user=request.user,
                body=form.cleaned_data["body"],
                files=incoming_files(form.cleaned_data["attachments"]),
                checkpoint=form.cleaned_data["checkpoint"],
                override_check=form.cleaned_data["override_check"],
                acknowledge=not form.cleaned_data["keep_new"],
                checkpoint_reason=form.cleaned_data["checkpoint_reason"],
                promises=kept,
                purpose=form.cleaned_data["purpose"] or None,
            )
            return _done(request, ticket)
        except CheckBlocked as e:
            form.blocked = _findings_context(form.cleaned_data["body"], e.result)
            form.add_error("body", e.message)
        except TicketError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
    return _failed(request, ticket, "reply_form", form, "reply")


@require_POST
@agent_required
def ticket_note(request, ticket_id: int):
    ticket = access.get_ticket_for_agent(request.user, ticket_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.ticket_note(ticket=ticket, actor_user=request.user, body=form.cleaned_data["body"])
        return _done(request, ticket)
    return _failed(request, ticket, "note_form", form, "note")


@require_POST
@agent_required
def ticket_status(request, ticket_id: int):
    ticket = access.get_ticket_for_agent(request.user, ticket_id)
    form = StatusForm(request.POST, ticket=ticket)
    if form.is_valid():
        data = form.cleaned_data
        resolving = data["to_status"] == Status.RESOLVED
        if resolving and not data["customer_note"].strip():
            # First step of resolving: the answers become the letter, shown, not sent (P2).
            form = composer.resolution_preview(
                form, request.POST, ticket=ticket, agent=request.user
            )
            return _render_ticket(request, ticket, status_form=form, open_tab="status")
        kept = promises_to_keep(
            data=request.POST,
            ticket=ticket,
            text=form.cleaned_data["customer_note"],
            now=timezone.now(),
        )
        if isinstance(kept, Review):
            form.promise_review = kept
            return _failed(request, ticket, "status_form", form, "status")
        form.promise_review = review_kept(request.POST)
        try:
            if resolving:
                closing.ticket_resolve(
                    ticket=ticket,
                    actor_user=request.user,
                    answers=form.resolution_answers(),
                    checkpoint=data["checkpoint"],
                    customer_note=data["customer_note"],
                    letter=data["letter"],
                    override_check=data["override_check"],
                    checkpoint_reason=data["checkpoint_reason"],
                    promises=kept,
                )
            elif data["to_status"] == Status.CLOSED:
                closing.ticket_close(
                    ticket=ticket,
                    actor_user=request.user,
                    close_reason=data["close_reason"],
                    customer_note=data["customer_note"],
                    override_check=data["override_check"],
                )
            else:
                services.ticket_transition(
                    ticket=ticket,
                    actor_user=request.user,
                    to_status=data["to_status"],
                    customer_note=data["customer_note"],
                    checkpoint=data["checkpoint"],
                    close_reason=data["close_reason"],
                    override_check=data["override_check"],
                    checkpoint_reason=data["checkpoint_reason"],
                    promises=kept,
                )
            return _done(request, ticket)
        except CheckBlocked as e:
            form.blocked = _findings_context(data["customer_note"], e.result)
            form.add_error("customer_note", e.message)
        except TicketError as e:
            form.add_error(composer.answer_field(form, e.field), e.message)
    return _failed(request, ticket, "status_form", form, "status")


@require_POST
@agent_required
def ticket_assign(request, ticket_id: int):
    ticket = access.get_ticket_for_agent(request.user, ticket_id)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_assign(
                ticket=ticket,
                actor_user=request.user,
                assignee=form.cleaned_data["assignee"],
                team=form.cleaned_data["team"],
                priority=form.cleaned_data["priority"] or None,
            )
            return _done(request, ticket)
        except TicketError as e:
            form.add_error(None, e.message)
    return _failed(request, ticket, "assign_form", form, "assign")


@require_POST
@agent_required
def ticket_cc(request, ticket_id: int):
    ticket = access.get_ticket_for_agent(request.user, ticket_id)
    form = CcForm(request.POST)
    if form.is_valid():
        try:
            copies.ticket_cc_set(
                ticket=ticket,
                addresses=copies.parse_addresses(form.cleaned_data["cc"]),
                actor_user=request.user,
            )
            return _done(request, ticket)
        except TicketError as e:
            form.add_error("cc", e.message)
    return _failed(request, ticket, "cc_form", form, "assign")


@require_POST
@agent_required
def contact_scope(request, ticket_id: int):
    """Whether the ticket's requester sees all of their organization's requests in the
    portal (an office manager) or only their own."""
    ticket = access.get_ticket_for_agent(request.user, ticket_id)
    wanted = request.POST.get("sees_organization") == "1"
    services.contact_update(contact=ticket.requester, sees_organization=wanted)
    if wanted:
        note = _("%(name)s now sees all of %(org)s's requests in the portal.")
    else:
        note = _("%(name)s now sees only their own requests in the portal.")
    messages.success(
        request, note % {"name": ticket.requester.name, "org": ticket.organization.name}
    )
    return redirect("desk:ticket", ticket_id=ticket.pk)


@require_POST
@agent_required
def ticket_merge(request, ticket_id: int):
    """Merge this ticket into the one named in the form (tickets/merge.py)."""
    ticket = access.get_ticket_for_agent(request.user, ticket_id)
    typed = (request.POST.get("target") or "").strip()[:40]
    target_id = parse_ticket_id(unicodedata.normalize("NFKC", typed).upper())
    target = None
    if target_id is not None:
        target = access.tickets_for_agent(request.user).filter(pk=target_id).first()
    if target is None:
        error = _("No ticket “%(ref)s”: give a reference such as KZ-000123.") % {"ref": typed}
    else:
        try:
            merge.ticket_merge(source=ticket, target=target, actor_user=request.user)
        except TicketError as e:
            error = e.message
        else:
            messages.success(
                request,
                _("%(source)s was merged into %(target)s; the customer has been told.")
                % {"source": ticket.reference, "target": target.reference},
            )
            return redirect("desk:ticket", ticket_id=target.pk)
    return _render_ticket(request, ticket, status=400, merge_error=error, merge_target=typed)


@require_POST
@agent_required
def follow_up_done(request, follow_up_id: str):
    """The lead has followed up a poor rating: it leaves the queue's marks."""
    follow_up = closing_selectors.follow_up_by_id(follow_up_id=parse_id(follow_up_id))
    if follow_up is None:
        raise Http404("No such follow-up.")
    ticket = access.get_ticket_for_agent(request.user, follow_up.ticket_id)
    try:
        closing.follow_up_done(
            follow_up=follow_up, actor_user=request.user, note=request.POST.get("note", "")
        )
    except TicketError as e:
        return _render_ticket(request, ticket, status=400, follow_up_error=e.message)
    return _done(request, ticket)


@require_GET
@agent_required
def attachment_download(request, attachment_id: int) -> HttpResponse:
    attachment = selectors.attachment_with_message(attachment_id=attachment_id)
    if attachment is None:
        raise Http404("No such attachment.")
    access.get_ticket_for_agent(request.user, attachment.message.ticket_id)
    return attachment_response(attachment)


_findings_context = composer.findings_context


@require_POST
@agent_required
def draft_check(request, ticket_id: int):
    """The live check of the composer (P2–P8, P11): findings for the draft as the agent types."""
    ticket = access.get_ticket_for_agent(request.user, ticket_id)
    form = DraftCheckForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    if "customer_note" in request.POST:
        text = data.get("customer_note", "")
        purpose = standard_services.purpose_for(data.get("to_status") or None)
    else:
        text = data.get("body", "")
        purpose = data.get("purpose") or "any"
    context = {"text": text, "purpose": purpose}
    if text.strip():
        try:
            result = standard_services.draft_check(ticket=ticket, text=text, purpose=purpose)
        except TicketError as e:  # too long to send, so not checked either
            context["problem"] = e.message
        else:
            context.update(_findings_context(text, result))
    return render(request, "desk/_findings.html", context)


def manager_required(view):
    """The team's standard, letters and service levels: managers and administrators."""

    @wraps(view)
    @agent_required
    def wrapper(request, *args, **kwargs):
        if not access.may_manage(request.user):
            raise Http404("Managers only.")
        return view(request, *args, **kwargs)

    return wrapper


def reports_required(view):
    """The reports: team leads, managers and administrators."""

    @wraps(view)
    @agent_required
    def wrapper(request, *args, **kwargs):
        if not access.may_read_reports(request.user):
            raise Http404("Team leads and managers only.")
        return view(request, *args, **kwargs)

    return wrapper


@agent_required
def ticket_new(request):
    """Open a request on behalf of a customer who called or came in: the same acknowledgement
    and first checkpoint as any other request (P1)."""
    form = OnBehalfForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        requester = selectors.contact_by_email(email=data["contact_email"])
        if requester is None:
            form.add_error(
                "contact_email",
                _("No contact has this address. Add the customer as a contact first."),
            )
        else:
            try:
                ticket = services.ticket_open(
                    requester=requester,
                    subject=data["subject"],
                    body=data["body"],
                    priority=data["priority"],
                    channel=data["channel"],
                    files=incoming_files(data["attachments"]),
                    actor_user=request.user,
                )
            except TicketError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    _("%(ref)s is open; the customer has been sent the acknowledgement.")
                    % {"ref": ticket.reference},
                )
                return redirect("desk:ticket", ticket_id=ticket.id)
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/ticket_new.html", {"form": form}, status=status)


@agent_required
def signature(request):
    """The agent edits the signature under their mail to customers (in each language)."""
    profile, _created = AgentProfile.objects.get_or_create(user=request.user)
    form = SignatureForm(request.POST or None, instance=profile)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your signature is saved; your next mail carries it."))
            return redirect("desk:signature")
        return render(request, "desk/signature.html", {"form": form}, status=400)
    return render(request, "desk/signature.html", {"form": form})


@manager_required
def standard(request):
    """The team's written standard (P12): rules on or off and their severity, per organization."""
    organization = None
    org_id = _int(request.GET.get("organization") or request.POST.get("organization"))
    if org_id:
        organization = selectors.organization_by_id(organization_id=org_id)
        if organization is None:
            raise Http404("No such organization.")
    error = ""
    if request.method == "POST":
        form = RuleSettingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["reset"]:
                    standard_services.rule_setting_reset(
                        organization=organization, rule_id=data["rule_id"]
                    )
                else:
                    standard_services.rule_setting_set(
                        organization=organization,
                        rule_id=data["rule_id"],
                        enabled=data["enabled"],
                        severity=data["severity"],
                        actor_user=request.user,
                    )
            except TicketError as e:
                error = e.message
        else:
            error = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        if not error and not request.htmx:
            return redirect(
                f"{request.path}?organization={organization.id}" if organization else request.path
            )
    rules = standard_selectors.rules_with_settings(organization.id if organization else None)
    context = {
        "rules": rules,
        "organization": organization,
        "organizations": selectors.organization_choices(),
        "overrides": standard_selectors.override_counts(),
        "error": error,
        "severities": ["error", "warning", "info"],
    }
    if request.htmx and request.method == "POST":
        return render(request, "desk/_standard_rules.html", context, status=400 if error else 200)
    return render(request, "desk/standard.html", context, status=400 if error else 200)
