"""Reads for the manager's view of the standard."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from django.utils import timezone

from kizuna.replycheck import Finding, list_rules
from kizuna.standards.models import CheckOverride, RuleSetting

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def rules_with_settings(organization_id: int | None) -> list[dict]:
    """Every rule with the pack's default and the setting in force (team-wide, then the
    organization's own)."""
    team = {s.rule_id: s for s in RuleSetting.objects.filter(organization__isnull=True)}
    own = {}
    if organization_id:
        own = {s.rule_id: s for s in RuleSetting.objects.filter(organization_id=organization_id)}
    rows = []
    for rule in sorted(list_rules(), key=lambda r: (r["lang"], r["category"], r["id"])):
        setting = own.get(rule["id"]) or team.get(rule["id"])
        rows.append(
            {
                **rule,
                # "{match}" and the like are filled in with the draft's words when a rule fires.
                "message": _PLACEHOLDER.sub("…", rule["message"]),
                "default_severity": rule["severity"],
                "enabled": setting.enabled if setting else True,
                "severity_now": setting.severity if setting else rule["severity"],
                "source": "organization"
                if rule["id"] in own
                else ("team" if setting else "default"),
            }
        )
    return rows


def override_counts(*, days: int = 30) -> dict:
    """How often agents sent despite errors, by rule and by agent, over the last `days`."""
    since = timezone.now() - timedelta(days=days)
    rows = list(CheckOverride.objects.filter(created_at__gte=since).select_related("user"))
    by_rule: Counter = Counter()
    by_agent: Counter = Counter()
    for row in rows:
        by_rule.update(row.rules)
        by_agent[row.user.get_username() if row.user else "—"] += 1
    return {
        "total": len(rows),
        "by_rule": by_rule.most_common(),
        "by_agent": by_agent.most_common(),
        "days": days,
    }


def highlight(text: str, findings: list[Finding]) -> list[tuple[str, Finding | None]]:
    """The draft cut into pieces, each either plain or covered by one finding, for marking up.
    Where findings overlap, the one that starts first (then the most severe) is marked."""
    order = {"error": 0, "warning": 1, "info": 2}
    pieces: list[tuple[str, Finding | None]] = []
    pos = 0
    for f in sorted(findings, key=lambda f: (f.start, order.get(f.severity, 3))):
        if f.start < pos or f.end <= f.start:
            continue
        if f.start > pos:
            pieces.append((text[pos : f.start], None))
        pieces.append((text[f.start : f.end], f))
        pos = f.end
    if pos < len(text):
        pieces.append((text[pos:], None))
    return pieces
