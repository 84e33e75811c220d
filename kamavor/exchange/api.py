"""API endpoints of the exchange: the review queue of field submissions, decisions on them,
spreadsheet imports (dry run, then post) and the record of both (who sent or imported what,
when). Phones themselves speak OpenRosa (`openrosa.py`), not this API."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import ConfigDict

from kamavor.core.errors import InvalidInput
from kamavor.core.idempotency import KEY_LIMITS
from kamavor.core.numbers import Id, PathId
from kamavor.core.paging import OFFSET, paged
from kamavor.exchange import imports, services
from kamavor.exchange.access import (
    get_import_for,
    get_submission_for,
    importing_organisations,
    reviewing_organisations,
)
from kamavor.exchange.models import Import, Submission
from kamavor.network.access import organisations_for
from kamavor.network.api import ERRORS, NO_NUL, one_of
from kamavor.network.models import Organisation

router = Router(tags=["exchange"])

LIST_LIMIT = 100
LIMIT = Query(LIST_LIMIT, ge=1, le=LIST_LIMIT)
IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    pattern=NO_NUL,
    description="Any string of 1 to 200 characters; a retry with the same key returns the "
    "first answer again and writes nothing.",
)
IDEMPOTENCY_KEY.json_schema_extra.update(KEY_LIMITS)
SubmissionStatus = one_of(Submission.Status)
ImportKind = one_of(Import.Kind)
Text = Annotated[str, Field(max_length=2000, pattern=NO_NUL)]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class SubmissionOut(Schema):
    id: int
    organisation: int = Field(alias="organisation_id")
    form: str = Field(alias="form_id")
    form_version: str
    instance_id: str
    status: SubmissionStatus
    reason_code: str
    reason: str = Field(description="Why it waits, in the request's language.")
    result: str
    submitted_by: str = Field(description="The username of the member who sent it.")
    submitted_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_reason(obj: Submission) -> str:
        return obj.reason()

    @staticmethod
    def resolve_submitted_by(obj: Submission) -> str:
        return obj.submitted_by.get_username()

    @staticmethod
    def resolve_decided_by(obj: Submission) -> str | None:
        return obj.decided_by.get_username() if obj.decided_by_id else None


class SubmissionValuesOut(SubmissionOut):
    values: dict = Field(description="The answers, while it waits (a look is audited).")


class AcceptIn(In):
    values: dict[str, Text | list[dict[str, Text]]] | None = Field(
        None,
        description="The answers as corrected (by field name; a repeat as a list of objects). "
        "Without it, the answers as sent.",
    )


class RowOut(Schema):
    row: int
    outcome: str = Field(description="created, updated, unchanged or error")
    label: str
    error: str


class ImportOut(Schema):
    id: int
    organisation: int = Field(alias="organisation_id")
    kind: ImportKind
    status: str = Field(description="checked (a dry run) or posted")
    filename: str
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: int
    imported_by: str
    imported_at: dt.datetime

    @staticmethod
    def resolve_imported_by(obj: Import) -> str:
        return obj.imported_by.get_username()


class ImportReportOut(ImportOut):
    report: list[RowOut]


class ImportIn(In):
    organisation: Id
    kind: ImportKind
    filename: str = Field("", max_length=200, pattern=NO_NUL)
    content: str = Field(
        max_length=15_000_000,
        description="The CSV or XLSX file, base64-encoded (at most 10 MB once decoded).",
    )


def _report(record: Import, report: imports.Report) -> Import:
    record.report = imports.report_json(report)
    return record


@router.get("/exchange/submissions", response={200: list[SubmissionOut], **ERRORS})
def list_submissions(
    request: HttpRequest,
    status: SubmissionStatus | None = None,
    limit: int = LIMIT,
    offset: int = OFFSET,
    *,
    response: HttpResponse,
) -> list[Submission]:
    """Field submissions of the organisations whose field data you review, newest first; paged."""
    rows = (
        Submission.objects.of_organisations(reviewing_organisations(request.user))
        .select_related("submitted_by", "decided_by")
        .order_by("-submitted_at", "-pk")
    )
    if status:
        rows = rows.filter(status=status)
    return paged(rows, request, response, limit=limit, offset=offset)


@router.get("/exchange/submissions/{submission_id}", response={200: SubmissionValuesOut, **ERRORS})
def get_submission(request: HttpRequest, submission_id: PathId) -> Submission:
    """One submission, with its answers while it waits for review."""
    found = get_submission_for(request.user, submission_id)
    found.values = services.open_submission(submission=found, by=request.user)
    return found


@router.post(
    "/exchange/submissions/{submission_id}/accept", response={200: SubmissionOut, **ERRORS}
)
def accept_submission(
    request: HttpRequest,
    submission_id: PathId,
    body: AcceptIn,
    key: str | None = IDEMPOTENCY_KEY,
) -> Submission:
    """Write a waiting submission, as sent or corrected; refused (409) once decided."""
    found = get_submission_for(request.user, submission_id)
    values = body.values
    if values is None:
        values = services.open_submission(submission=found, by=request.user)
    return services.accept_submission(
        submission=found, values=values, by=request.user, idempotency_key=key
    )


@router.post(
    "/exchange/submissions/{submission_id}/reject", response={200: SubmissionOut, **ERRORS}
)
def reject_submission(
    request: HttpRequest, submission_id: PathId, key: str | None = IDEMPOTENCY_KEY
) -> Submission:
    """Refuse a waiting submission for good; its answers are dropped."""
    found = get_submission_for(request.user, submission_id)
    return services.reject_submission(submission=found, by=request.user, idempotency_key=key)


@router.get("/exchange/imports", response={200: list[ImportOut], **ERRORS})
def list_imports(
    request: HttpRequest, limit: int = LIMIT, offset: int = OFFSET, *, response: HttpResponse
) -> list[Import]:
    """Spreadsheets checked and posted in the organisations where you import; newest first."""
    rows = (
        Import.objects.filter(organisation_id__in=importing_organisations(request.user))
        .select_related("imported_by")
        .order_by("-imported_at", "-pk")
    )
    return paged(rows, request, response, limit=limit, offset=offset)


@router.post("/exchange/imports", response={201: ImportReportOut, **ERRORS})
def check_import(request: HttpRequest, body: ImportIn, key: str | None = IDEMPOTENCY_KEY) -> Status:
    """The dry run: every row's outcome or error; nothing is written but the record. Post it
    with `/exchange/imports/{id}/post` if no row fails."""
    if body.organisation not in organisations_for(request.user):
        raise Http404
    if body.organisation not in importing_organisations(request.user):
        raise PermissionDenied
    try:
        data = base64.b64decode(body.content, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(_("The file is not base64."), code="invalid_base64") from None
    record, report = imports.check_import(
        organisation=Organisation.objects.get(pk=body.organisation),
        kind=body.kind,
        data=data,
        filename=body.filename,
        by=request.user,
        idempotency_key=key,
    )
    return Status(201, _report(record, report))


@router.post("/exchange/imports/{import_id}/post", response={200: ImportReportOut, **ERRORS})
def post_import(
    request: HttpRequest, import_id: PathId, key: str | None = IDEMPOTENCY_KEY
) -> Import:
    """Post a checked file: every row, or none if one fails now (409 once posted)."""
    record, report = imports.post_import(
        record=get_import_for(request.user, import_id), by=request.user, idempotency_key=key
    )
    return _report(record, report)
