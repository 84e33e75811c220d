"""Balance updates heap-only on PostgreSQL: the quantity leaves `balance_expiring`, and each
page of balances keeps a fifth free for the new versions of its rows (docs/performance.md,
ninth round)."""

from django.db import migrations, models


def _fill_factor(percent: int):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":  # SQLite has no such setting
            schema_editor.execute(f"ALTER TABLE stock_balance SET (fillfactor = {percent})")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
        ("network", "0004_member_role_treasurer"),
        ("stock", "0015_drop_indexes_a_composite_begins_with"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="balance",
            name="balance_expiring",
        ),
        migrations.AddIndex(
            model_name="balance",
            index=models.Index(
                condition=models.Q(("expiry__isnull", False)),
                fields=["expiry", "point", "item"],
                name="balance_expiring",
            ),
        ),
        migrations.RunPython(_fill_factor(80), _fill_factor(100)),
    ]
