"""Read every value of every table as the database holds it, to look for plain personal data."""

from __future__ import annotations

from django.db import connection


def all_text_in_the_database() -> list[tuple[str, str, str]]:
    """(table, column, value) for every non-null value of every column of every table."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    found.append((table, column, str(value)))
    return found
