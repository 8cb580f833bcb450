from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "kizuna.backup"
    label = "backup"
    verbose_name = "Backup and restore"
