from django.apps import AppConfig


class BackupConfig(AppConfig):
    """Encrypted, verified backups of the whole database, and restoring them (no models)."""

    name = "kamavor.backup"
    default_auto_field = "django.db.models.BigAutoField"
