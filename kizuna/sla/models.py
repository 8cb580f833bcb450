from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from kizuna.tickets.models import Priority


def default_hours() -> dict:
    return {str(day): [["09:00", "18:00"]] for day in range(5)}


class BusinessCalendar(models.Model):
    """When the team works: hours per weekday in a time zone, national holidays, company
    closed days and extra working days (see calendar.py). `always_open` is 24×7."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Tokyo")
    # {"0": [["09:00", "12:00"], ["13:00", "18:00"]], …}; 0 is Monday.
    hours = models.JSONField(_("working hours"), default=default_hours, blank=True)
    always_open = models.BooleanField(_("open 24 hours, every day"), default=False)
    country = models.CharField(_("national holidays of"), max_length=8, blank=True, default="JP")
    subdivision = models.CharField(_("region"), max_length=16, blank=True)
    year_end_closing = models.BooleanField(_("closed from 29 December to 3 January"), default=True)
    closed_days = models.JSONField(_("company closed days"), default=list, blank=True)
    extra_working_days = models.JSONField(_("extra working days"), default=list, blank=True)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Targets for requests of one contract tier and priority, counted in business time of
    its calendar. An empty tier or priority matches any; the most specific policy wins."""

    name = models.CharField(_("name"), max_length=100)
    contract_tier = models.CharField(_("contract tier"), max_length=32, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("calendar"),
    )
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    update_interval_minutes = models.PositiveIntegerField(
        _("longest wait for news (business minutes)")
    )
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))
    # The resolution clock always pauses while the ticket waits for the customer; this says
    # whether it also pauses while waiting for a third party (a vendor, a carrier).
    pause_for_third_party = models.BooleanField(
        _("pause while waiting for a third party"), default=False
    )
    # Agents are warned when this share of the time to a due time has gone.
    warn_percent = models.PositiveSmallIntegerField(
        _("warn when this share of the time has gone (%)"), default=75
    )
    # When a checkpoint passes with no update, send the customer a holding update from a
    # letter ("still working on it; next update by …"). It still counts as missed.
    holding_update = models.BooleanField(
        _("send a holding update when a checkpoint passes"), default=False
    )
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["contract_tier", "priority", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["contract_tier", "priority"], name="one_policy_per_tier_and_priority"
            ),
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gt=0)
                & models.Q(update_interval_minutes__gt=0)
                & models.Q(resolution_minutes__gt=0),
                name="sla_targets_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(warn_percent__gte=1) & models.Q(warn_percent__lte=99),
                name="sla_warn_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SlaChange(models.Model):
    """A manager's change to a calendar or a policy: who, when, and the values before and
    after. Changes apply to clocks started afterwards; this is their record."""

    KINDS = [("calendar", _("calendar")), ("policy", _("policy"))]

    kind = models.CharField(max_length=10, choices=KINDS)
    object_id = models.PositiveBigIntegerField()
    name = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(default=now)
    before = models.JSONField(null=True, blank=True)  # None: created
    after = models.JSONField(null=True, blank=True)  # None: deleted

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} at {self.at:%Y-%m-%d %H:%M}"


class DeadlineKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    CHECKPOINT = "checkpoint", _("Next update")
    RESOLUTION = "resolution", _("Resolution")
    PROMISE = "promise", _("Promise")


class Deadline(models.Model):
    """A time promised on a ticket, kept until it is met, breached or no longer applies.

    `due_at` is an instant; open deadlines are indexed on it, so "what falls due in the next
    quarter of an hour" reads an index range whatever the number of tickets. A paused clock
    (waiting for the customer) keeps its business minutes left and gets a new `due_at` when it
    resumes. The policy that set it may be deleted: the due time stays.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(max_length=20, choices=DeadlineKind.choices)
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(default=now)
    due_at = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    minutes_left = models.FloatField(null=True, blank=True)  # business minutes, while paused
    # When agents are warned (set with the deadline from the policy's share) and were.
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    # A promise (P13): the agent's own words, the message that made it, who confirmed it.
    text = models.CharField(max_length=300, blank=True)
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="deadline_open_due",
                condition=models.Q(met_at=None, cancelled_at=None, paused_at=None),
            ),
            models.Index(fields=["ticket", "kind"], name="deadline_ticket_kind"),
            # The worker's scans: open deadlines not yet breached, and not yet warned.
            models.Index(
                fields=["due_at"],
                name="deadline_breach_scan",
                condition=models.Q(
                    met_at=None, cancelled_at=None, paused_at=None, breached_at=None
                ),
            ),
            models.Index(
                fields=["warn_at"],
                name="deadline_warn_scan",
                condition=models.Q(met_at=None, cancelled_at=None, paused_at=None, warned_at=None),
            ),
            # /metrics counts the breaches by kind (a small share of all deadlines).
            models.Index(
                fields=["kind"],
                name="deadline_breached",
                condition=models.Q(breached_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of ticket {self.ticket_id} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None
