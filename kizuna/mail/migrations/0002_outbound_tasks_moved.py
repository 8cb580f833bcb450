from django.db import migrations

MOVED = {
    "kizuna.tickets.tasks.message_deliver": "kizuna.mail.tasks.message_deliver",
    "kizuna.tickets.tasks.mail_recover": "kizuna.mail.tasks.mail_recover",
}


def rename(apps, schema_editor, moves):
    """Tasks queued before outbound mail moved into the mail app keep running: their rows
    name the task by its import path."""
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in moves.items():
        DBTaskResult.objects.filter(task_path=old).update(task_path=new)


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, editor: rename(apps, editor, MOVED),
            lambda apps, editor: rename(apps, editor, {v: k for k, v in MOVED.items()}),
        ),
    ]
