"""Migration operations the schema editors would do the slow way."""

from __future__ import annotations

from django.db import migrations


def unindex(alteration: migrations.AlterField, table: str, column: str, index: str):
    """`alteration` (a foreign key given `db_index=False`) done by dropping its index alone.

    Django's schema editors do it by rebuilding the table on SQLite and by dropping and adding
    the foreign key again on PostgreSQL, which checks every row again: minutes, with the table
    locked, for the ledger's millions of movements. Dropping the index changes nothing else;
    undoing the migration builds it again.
    """
    return migrations.SeparateDatabaseAndState(
        state_operations=[alteration],
        database_operations=[
            migrations.RunSQL(
                f'DROP INDEX IF EXISTS "{index}"',
                reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
            )
        ],
    )
