"""Spreadsheet imports: catalogue items, points, standards and households.

An import runs in two steps. `check_import` reads the file and runs every row through the same
writes as the real import, in a transaction that is then rolled back: each row's outcome (new,
changed, unchanged) or its error is exactly what posting would do. `post_import` runs it again
and keeps it only if no row fails: all or nothing. Rows are matched to what exists (an item by
its code, a point by its name, a standard by its code, a household by a keyed digest of its row),
so the same file posted twice changes nothing. Every check and post is recorded (who, when,
which file, what changed); the file waits between the two steps sealed, as it may name people.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kamavor.core.errors import Conflict, InvalidInput, KamavorError
from kamavor.core.idempotency import check_key, ensure_same_request
from kamavor.exchange import import_rows
from kamavor.exchange.models import Import
from kamavor.lib import spreadsheets
from kamavor.network.access import Action, may
from kamavor.network.models import Organisation
from kamavor.privacy.sealing import vault

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000

CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"
OUTCOME_LABELS = {
    CREATED: gettext_lazy("new"),
    UPDATED: gettext_lazy("changed"),
    UNCHANGED: gettext_lazy("unchanged"),
    ERROR: gettext_lazy("error"),
}


class ImportRefused(InvalidInput):
    """A file that cannot be imported as a whole (not a spreadsheet, wrong columns…)."""


@dataclass
class RowResult:
    number: int
    outcome: str
    label: str = ""
    error: str = ""

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome])


@dataclass
class Report:
    rows: list[RowResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def errors(self) -> list[RowResult]:
        return [row for row in self.rows if row.outcome == ERROR]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors


@dataclass(frozen=True)
class Kind:
    columns: tuple[spreadsheets.Column, ...]
    prepare: Callable  # (organisation, by) -> context for apply
    apply: Callable  # (context, row) -> (outcome, label)
    action: Action


KINDS: dict[str, Kind] = {
    Import.Kind.ITEMS: Kind(
        import_rows.ITEM_COLUMNS, import_rows.ItemRows, import_rows.ItemRows.apply,
        Action.MANAGE_CATALOGUE,
    ),
    Import.Kind.POINTS: Kind(
        import_rows.POINT_COLUMNS, import_rows.PointRows, import_rows.PointRows.apply,
        Action.IMPORT_DATA,
    ),
    Import.Kind.STANDARDS: Kind(
        import_rows.STANDARD_COLUMNS, import_rows.StandardRows, import_rows.StandardRows.apply,
        Action.PLAN,
    ),
    Import.Kind.HOUSEHOLDS: Kind(
        import_rows.HOUSEHOLD_COLUMNS, import_rows.HouseholdRows,
        import_rows.HouseholdRows.apply, Action.REGISTER_HOUSEHOLD,
    ),
}  # fmt: skip


def column_help() -> list[tuple[str, str, list[str]]]:
    """For the page: each kind, its label, and the English names of its columns."""
    return [
        (
            kind,
            str(label),
            [c.names[-1] + ("" if c.required else " ?") for c in KINDS[kind].columns],
        )
        for kind, label in Import.Kind.choices
    ]


FILE_ERRORS = {
    spreadsheets.NOT_A_SPREADSHEET: gettext_lazy(
        "This file is not a spreadsheet: save it as CSV or XLSX (Excel 2007 or later)."
    ),
    spreadsheets.EMPTY: gettext_lazy("This file is empty."),
    spreadsheets.TOO_LARGE: gettext_lazy("This file is too large."),
    spreadsheets.TOO_MANY_ROWS: gettext_lazy("This file has too many rows (at most %(limit)s)."),
    spreadsheets.MISSING_COLUMNS: gettext_lazy("These columns are missing: %(columns)s."),
    spreadsheets.UNKNOWN_COLUMNS: gettext_lazy("These columns are unknown: %(columns)s."),
    spreadsheets.DUPLICATE_COLUMNS: gettext_lazy("These columns appear twice: %(columns)s."),
    spreadsheets.EXTRA_CELLS: gettext_lazy("Row %(row)s has values beyond the last column."),
}


def read(kind: str, data: bytes, filename: str = "") -> spreadsheets.Table:
    """The file as the kind's table, or ImportRefused saying why not in the user's language."""
    if kind not in KINDS:
        raise ImportRefused(_("Choose what the file holds."), code="unknown_kind", field="kind")
    try:
        return spreadsheets.read_table(
            data, columns=KINDS[kind].columns, filename=filename, max_bytes=MAX_BYTES,
            max_rows=MAX_ROWS,
        )  # fmt: skip
    except spreadsheets.SpreadsheetError as error:
        message = str(FILE_ERRORS[error.code]) % {
            "limit": error.limit,
            "row": error.row,
            "columns": ", ".join(error.columns),
        }
        raise ImportRefused(message, code=f"file_{error.code}") from None


def _run(organisation: Organisation, kind: str, table, by, *, commit: bool) -> Report:
    spec = KINDS[kind]
    report = Report()
    with transaction.atomic():
        context = spec.prepare(organisation, by)
        finish = getattr(context, "finish", None)
        # A kind that writes row by row runs each row in a savepoint, so that a failing row
        # leaves the others' writes usable; one that writes in bulk at the end (households)
        # only checks rows, and spares a savepoint's two round trips per row.
        for row in table.rows:
            try:
                if finish is None:
                    with transaction.atomic():
                        outcome, label = spec.apply(context, row)
                else:
                    outcome, label = spec.apply(context, row)
                report.rows.append(RowResult(row.number, outcome, label))
            except KamavorError as error:
                report.rows.append(RowResult(row.number, ERROR, "", error.message))
        if commit and report.ok and finish is not None:
            # Kinds that write in bulk (households) write everything checked now.
            labels = finish()
            for result in report.rows:
                result.label = labels.get(result.number, result.label)
        if not commit or not report.ok:
            transaction.set_rollback(True)
    return report


def _require(by, organisation: Organisation, kind: str) -> None:
    if not may(by, organisation.pk, Action.IMPORT_DATA) or not may(
        by, organisation.pk, KINDS[kind].action
    ):
        raise PermissionDenied


def _counts(report: Report) -> dict[str, int]:
    return {
        "rows": len(report.rows),
        "created": report.count(CREATED),
        "updated": report.count(UPDATED),
        "unchanged": report.count(UNCHANGED),
        "errors": len(report.errors),
    }


def stored_report(record: Import) -> Report:
    return Report(
        [RowResult(r["row"], r["outcome"], r["label"], r["error"]) for r in record.report]
    )


def check_import(
    *,
    organisation: Organisation,
    kind: str,
    data: bytes,
    filename: str,
    by,
    idempotency_key: str | None = None,
) -> tuple[Import, Report]:
    """The dry run: every row's outcome or error, nothing written but the record of the check
    (with the file sealed, for the post). A retry with the same key answers the first check."""
    key = check_key(idempotency_key)
    digest = vault().digest(hashlib.sha256(data).hexdigest())
    if key:
        earlier = Import.objects.filter(imported_by=by, idempotency_key=key).first()
        if earlier is not None:
            ensure_same_request(earlier.digest, digest)
            return earlier, stored_report(earlier)
    table = read(kind, data, filename)
    _require(by, organisation, kind)
    report = _run(organisation, kind, table, by, commit=False)
    record = Import.objects.create(
        idempotency_key=key or "",
        report=report_json(report),
        organisation=organisation,
        kind=kind,
        status=Import.Status.CHECKED,
        filename=filename[-200:],
        digest=digest,
        imported_by=by,
        content_sealed=vault().seal(base64.b64encode(data).decode("ascii")) if report.ok else "",
        **_counts(report),
    )
    return record, report


def post_import(*, record: Import, by, idempotency_key: str | None = None) -> tuple[Import, Report]:
    """Post a checked file: every row written, or none if any fails now. A retry with the key
    of the post answers it again."""
    _require(by, record.organisation, record.kind)
    key = check_key(idempotency_key)
    with transaction.atomic():
        locked = Import.objects.select_for_update().get(pk=record.pk)
        if key and locked.post_key == key and locked.status == Import.Status.POSTED:
            return locked, stored_report(locked)
        if locked.status != Import.Status.CHECKED or not locked.content_sealed:
            raise Conflict(_("This file was already imported, or had errors."), code="not_ready")
        if locked.imported_by_id != by.pk:
            raise PermissionDenied
        data = base64.b64decode(vault().open(locked.content_sealed))
        table = read(locked.kind, data, locked.filename)
        report = _run(locked.organisation, locked.kind, table, by, commit=True)
        if not report.ok:
            raise ImportRefused(
                _("%(n)d rows fail now: nothing was imported. Check the file again.")
                % {"n": len(report.errors)},
                code="rows_failed",
            )
        for name, value in _counts(report).items():
            setattr(locked, name, value)
        locked.status = Import.Status.POSTED
        locked.content_sealed = ""
        locked.post_key = key or ""
        locked.report = report_json(report)
        locked.save()
    return locked, report


def report_json(report: Report) -> list[dict]:
    return [
        {"row": r.number, "outcome": r.outcome, "label": r.label, "error": r.error}
        for r in report.rows
    ]
