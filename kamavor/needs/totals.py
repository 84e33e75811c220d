"""Households' entitlements summed per organisation and standard, kept as households change.

The public pages need, per organisation and item, what all its active households are entitled
to in a period. Pricing 30,000 households (a few thousand distinct compositions) under every
standard took the network page's cold build most of a second; these sums make it one read.

- **Kept**: the household services report every change of an active household's composition
  (registration, correction, merge: `kamavor.households.services.on_composition_change`) inside
  their transaction; `count_changes` adds the difference in entitlement under each active
  standard to the rows, in one UPDATE. Only rows summed under the standard's current rule
  (`rule_key`) are changed.
- **Read**: `entitlement_totals` reads the rows. A row that is missing (a new organisation or
  standard, households loaded in bulk) or summed under another rule (the standard was edited)
  is summed again from the households, in a transaction that no household change can
  interleave with (SQLite: the write lock taken at BEGIN; PostgreSQL: the table locked against
  writers first), so that no change is counted twice or missed.
- `rebuild_entitlement_totals()` sums every row again (after a bulk load of households).

`tests/needs/test_totals.py` holds the kept rows to a recomputation after random sequences of
registrations, corrections and merges (a property test).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping

from django.db import connection
from django.db.models import Count

from kamavor.core import rows
from kamavor.core.transactions import in_transaction
from kamavor.households.models import Household
from kamavor.lib import entitlements
from kamavor.needs.models import EntitlementTotal, Standard

RULE_FIELDS = ("eligibility", "per", "quantity", "cap", "size_min", "size_max")


def rule_key(standard: Standard) -> str:
    """The standard's arithmetic as text: rows summed under another are summed again."""
    return "|".join(
        "" if getattr(standard, f) is None else str(getattr(standard, f)) for f in RULE_FIELDS
    )


def _active_standards() -> list[Standard]:
    return list(Standard.objects.active().only("pk", *RULE_FIELDS).order_by("pk"))


def count_changes(changes: list[tuple[int, Mapping | None, Mapping | None]]) -> None:
    """Add what these households' changes (organisation, composition before, after; None where
    not counted) change in entitlement to the kept rows, inside the caller's transaction: one
    read of the organisations' rows with their standards' rules (locked on PostgreSQL, in id
    order), one UPDATE. A row summed under another rule than its standard's is left alone
    (it is summed again when read); a missing row is summed when first read."""
    organisations = sorted({org for org, _before, _after in changes})
    table = rows.table(EntitlementTotal)
    sql = (
        f"SELECT t.id, t.organisation_id, t.rule, {rows.columns(Standard, 's')} FROM {table} t "
        f"JOIN {rows.table(Standard)} s ON s.id = t.standard_id "
        f"WHERE s.active = %s AND t.organisation_id IN ({rows.marks(organisations)}) "
        "ORDER BY t.id"
    )
    if connection.vendor == "postgresql":
        sql += " FOR UPDATE OF t"
    with connection.cursor() as cursor:
        cursor.execute(sql, [True, *organisations])
        found = cursor.fetchall()
    deltas: dict[int, int] = defaultdict(int)
    for row_id, org, key, *standard_row in found:
        standard = rows.instance(Standard, standard_row)
        if key != rule_key(standard):
            continue
        rule = standard.rule
        for organisation_id, before, after in changes:
            if organisation_id == org:
                units = entitlements.entitled(after, rule) if after else 0
                units -= entitlements.entitled(before, rule) if before else 0
                deltas[row_id] += units
    deltas = {row_id: units for row_id, units in sorted(deltas.items()) if units}
    if not deltas:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET units = units + CASE id "
            + " ".join("WHEN %s THEN %s" for _ in deltas)
            + f" END WHERE id IN ({rows.marks(deltas)})",
            [*(v for item in deltas.items() for v in item), *deltas],
        )


def entitlement_totals(
    organisations: Collection[int], standards: Iterable[Standard]
) -> dict[int, dict[int, int]]:
    """Per organisation, per standard (id): what its active households are entitled to per
    period under that standard; rows missing or summed under an older rule are summed again."""
    standards = list(standards)
    organisations = sorted(set(organisations))
    if not standards or not organisations:
        return {org: {} for org in organisations}
    kept = _read(organisations, standards)
    stale = [
        (org, standard)
        for org in organisations
        for standard in standards
        if kept.get((org, standard.pk), (None, 0))[0] != rule_key(standard)
    ]
    if stale:
        kept.update(_sum_again(stale))
    totals: dict[int, dict[int, int]] = {org: {} for org in organisations}
    for (org, standard_id), (_rule, units) in kept.items():
        if org in totals:
            totals[org][standard_id] = units
    return totals


def _read(organisations: list[int], standards: list[Standard]) -> dict[tuple[int, int], tuple]:
    # Written by hand: the public pages read it at every cold build (a few dozen rows), and
    # the ORM's compilation cost more than the statement.
    ids = sorted({s.pk for s in standards})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT organisation_id, standard_id, rule, units FROM {rows.table(EntitlementTotal)}"
            f" WHERE organisation_id IN ({rows.marks(organisations)}) AND standard_id IN "
            f"({rows.marks(ids)})",
            [*organisations, *ids],
        )
        return {(org, std): (rule, units) for org, std, rule, units in cursor.fetchall()}


def _sum_again(stale: list[tuple[int, Standard]]) -> dict[tuple[int, int], tuple[str, int]]:
    """Sum these (organisation, standard) rows from the households and write them, with no
    household change in between."""

    def unit() -> dict[tuple[int, int], tuple[str, int]]:
        if connection.vendor == "postgresql":
            # Writers of the rows (count_changes) wait until these sums are written; changes
            # that committed before the lock are in the households read below.
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(EntitlementTotal._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        organisations = sorted({org for org, _standard in stale})
        sums = _summed(organisations, {standard for _org, standard in stale})
        written = {}
        for org, standard in stale:
            key, units = rule_key(standard), sums.get((org, standard.pk), 0)
            EntitlementTotal.objects.update_or_create(
                organisation_id=org, standard=standard, defaults={"rule": key, "units": units}
            )
            written[(org, standard.pk)] = (key, units)
        return written

    return in_transaction(unit)


def _summed(organisations: list[int], standards: Iterable[Standard]) -> dict[tuple[int, int], int]:
    """(organisation, standard id) → units, from the households grouped by composition."""
    standards = list(standards)
    groups = (
        Household.objects.active()
        .filter(organisation_id__in=organisations)
        .values("organisation_id", *entitlements.FIELDS)
        .annotate(n=Count("pk"))
        .order_by()
    )
    sums: dict[tuple[int, int], int] = defaultdict(int)
    rules = [(standard.pk, standard.rule) for standard in standards]
    for group in groups:
        org, n = group["organisation_id"], group["n"]
        for standard_id, rule in rules:
            sums[(org, standard_id)] += n * entitlements.entitled(group, rule)
    return sums


def rebuild_entitlement_totals() -> int:
    """Sum every organisation's rows under the active standards again (after households were
    written in bulk, around the services); the number of rows written."""
    from kamavor.network.models import Organisation

    organisations = list(Organisation.objects.values_list("pk", flat=True))
    standards = _active_standards()
    stale = [(org, standard) for org in organisations for standard in standards]
    return len(_sum_again(stale)) if stale else 0
