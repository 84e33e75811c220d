"""The households' audit log now belongs to the privacy app; its table and rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0002_registration_key"),
        ("privacy", "0001_take_over_audit_logs"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
            database_operations=[],
        ),
    ]
