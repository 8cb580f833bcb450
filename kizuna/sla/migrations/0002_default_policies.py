from django.conf import settings
from django.db import migrations

# Targets in business minutes by priority: (first response, longest wait for news, resolution).
# The first response keeps what KIZUNA_RESPONSE_MINUTES_* promised before policies existed.
DEFAULTS = {
    "urgent": (60, 60, 8 * 60),
    "high": (4 * 60, 4 * 60, 3 * 8 * 60),
    "normal": (8 * 60, 8 * 60, 10 * 8 * 60),
    "low": (24 * 60, 3 * 8 * 60, 20 * 8 * 60),
}
NAMES = {"urgent": "Urgent", "high": "High", "normal": "Normal", "low": "Low"}


def seed(apps, schema_editor):
    """A business-hours calendar (weekdays 09:00–18:00, Japanese holidays, the year-end
    closing) and a 24×7 one, and one default policy per priority: managers edit them."""
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    if BusinessCalendar.objects.exists():
        return
    office = BusinessCalendar.objects.create(
        name="Business hours",
        time_zone=settings.TIME_ZONE,
        hours={str(day): [["09:00", "18:00"]] for day in range(5)},
        country="JP",
        year_end_closing=True,
    )
    BusinessCalendar.objects.create(
        name="24×7", time_zone=settings.TIME_ZONE, always_open=True, country="", year_end_closing=False
    )
    configured = getattr(settings, "KIZUNA_RESPONSE_MINUTES", {})
    for priority, (first, update, resolution) in DEFAULTS.items():
        SlaPolicy.objects.create(
            name=f"Standard – {NAMES[priority]}",
            contract_tier="",
            priority=priority,
            calendar=office,
            first_response_minutes=configured.get(priority, first) or first,
            update_interval_minutes=update,
            resolution_minutes=resolution,
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
