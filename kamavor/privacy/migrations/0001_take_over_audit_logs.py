"""The audit logs move from households and volunteers to privacy, keeping their tables and rows.

Only Django's idea of which app owns the models changes: the tables stay
`households_auditentry` and `volunteers_contactaudit`, so nothing is copied or lost.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("households", "0002_registration_key"),
        ("network", "0001_initial"),
        ("volunteers", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ("action", models.CharField(choices=[("view", "viewed"), ("export", "exported"), ("create", "recorded"), ("update", "changed"), ("erase", "erased"), ("merge", "merged")], max_length=10)),
                        ("fields", models.JSONField(default=list)),
                        ("note", models.CharField(blank=True, max_length=200)),
                        ("household", models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="audit_entries", to="households.household")),
                        ("organisation", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="network.organisation")),
                        ("user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "audit entry",
                        "verbose_name_plural": "audit log",
                        "db_table": "households_auditentry",
                        "ordering": ["-at"],
                    },
                ),
                migrations.CreateModel(
                    name="ContactAudit",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ("action", models.CharField(choices=[("view", "viewed"), ("export", "exported"), ("contact", "wrote to")], max_length=10)),
                        ("fields", models.JSONField(default=list)),
                        ("organisation", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="network.organisation")),
                        ("shift", models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="volunteers.shift")),
                        ("user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("volunteer", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="volunteers.volunteer")),
                    ],
                    options={
                        "verbose_name": "contact audit entry",
                        "verbose_name_plural": "contact audit log",
                        "db_table": "volunteers_contactaudit",
                        "ordering": ["-at"],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
