from django.db import migrations


def install(apps, schema_editor):
    from kizuna.letters.services import builtins_install

    builtins_install(apps.get_model("letters", "Letter"))


class Migration(migrations.Migration):
    dependencies = [("letters", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
