from django.db import migrations, models


def mark_given_up(apps, schema_editor):
    """Messages Kizuna already gave up mailing (a `mail_failed` event) are marked, so that the
    recovery sweep never sends them now."""
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    Message = apps.get_model("tickets", "Message")
    for event in TicketEvent.objects.filter(kind="mail_failed").only("data", "created_at"):
        message_id = event.data.get("message") if isinstance(event.data, dict) else None
        if isinstance(message_id, int):
            Message.objects.filter(id=message_id, mail_failed_at=None).update(
                mail_failed_at=event.created_at
            )


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_outbound_mail"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="mail_claimed_by",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="message",
            name="mail_failed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_given_up, migrations.RunPython.noop),
    ]
