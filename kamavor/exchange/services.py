"""Every change the exchange makes: a submission received, accepted after review or rejected.
Imports are in `imports.py`; a shelter's headcount is the shelters app's.

Everything that only reads is done before the write transaction opens: the XML parsed, the
form resolved, the member's right to send it checked, an earlier copy looked for, and the points,
items and household the answers name read and checked (each form's handler does that and gives
back its write). The transaction then holds only the form's service and the row that claims the
instanceID, so it is short and written whole or not at all. When a rule fails (before or in
that transaction, which is then rolled back) the submission is kept for review with the reason
in each language; the phone is told it was received. The XML itself is never stored; the
values wait sealed, and only until decided.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kamavor.core.errors import Conflict, KamavorError
from kamavor.core.idempotency import check_key, ensure_same_request
from kamavor.core.transactions import in_transaction
from kamavor.exchange.handlers import HANDLERS, Context, may_send
from kamavor.exchange.instances import MalformedInstance, parse_instance
from kamavor.exchange.models import Submission
from kamavor.network.access import Action, may
from kamavor.network.models import Organisation
from kamavor.privacy.audit import AuditEntry, record_household
from kamavor.privacy.sealing import vault

PERSONAL_ANSWERS = ("collector_name", "phone", "document")
MAX_PEOPLE = 100_000


class SubmissionRefused(KamavorError):
    """A submission refused whole (malformed, another's form, a changed instance): nothing kept."""


@dataclass(frozen=True)
class Attachment:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Received:
    submission: Submission
    replay: bool  # the same instance had been received before: nothing new was written


def _digest(xml: bytes, attachments: Sequence[Attachment]) -> str:
    whole = hashlib.sha256(xml)
    for attachment in sorted(attachments, key=lambda a: a.name):
        whole.update(f"\0{attachment.name}\0{attachment.sha256}".encode())
    return vault().digest(whole.hexdigest())


def _earlier(organisation: Organisation, instance_id: str, digest: str) -> Submission | None:
    earlier = Submission.objects.filter(organisation=organisation, instance_id=instance_id).first()
    if earlier is not None and earlier.digest != digest:
        raise SubmissionRefused(
            _("A different form was already sent under this instanceID."),
            code="instance_conflict",
        )
    return earlier


class _Rollback(Exception):
    pass


def _reasons(run, first: KamavorError) -> dict[str, str]:
    """The reason a rule failed, said in each language (the failing write runs again in a
    transaction that is always rolled back)."""
    reasons = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            message = first.message
            try:
                with transaction.atomic():
                    run()
                    raise _Rollback
            except KamavorError as error:
                message = error.message
            except (_Rollback, PermissionDenied, IntegrityError):
                pass
            reasons[language] = message
    return reasons


def receive_submission(
    *,
    organisation: Organisation,
    by,
    xml: bytes,
    attachments: Sequence[Attachment] = (),
) -> Received:
    """Take one submitted instance: written through its form's service, or kept for review.

    The same instance again answers the first result and writes nothing; another instance under
    the same instanceID, a malformed one, or a form the member may not send is refused whole.
    """
    try:
        instance = parse_instance(xml)
    except MalformedInstance:
        raise SubmissionRefused(
            _("This is not a filled form Kamavor can read."), code="malformed_submission"
        ) from None
    if instance.form_id not in HANDLERS:
        raise SubmissionRefused(_("There is no such form here."), code="unknown_form")
    if not may_send(by, organisation.pk, instance.form_id):
        raise PermissionDenied
    digest = _digest(xml, attachments)
    earlier = _earlier(organisation, instance.instance_id, digest)
    if earlier is not None:
        return Received(earlier, replay=True)
    fields = {
        "organisation": organisation,
        "form_id": instance.form_id,
        "form_version": instance.version,
        "instance_id": instance.instance_id,
        "digest": digest,
        "submitted_by": by,
        "attachments": [a.__dict__ for a in attachments],
    }
    context = Context(
        organisation=organisation,
        by=by,
        values=instance.values,
        key=f"openrosa:{instance.instance_id}",
    )
    handler = HANDLERS[instance.form_id]
    try:
        write = handler(context)  # reads and checks, outside the transaction
    except KamavorError as error:
        failed = error
    else:

        def unit() -> Submission:
            # The row that claims the instanceID is inserted last, in the same transaction: a
            # concurrent copy of this instance waits on it, fails, and answers what this wrote.
            result = write()[:200]
            return Submission.objects.create(
                status=Submission.Status.ACCEPTED, result=result, **fields
            )

        try:
            return Received(in_transaction(unit), replay=False)
        except IntegrityError:
            earlier = _earlier(organisation, instance.instance_id, digest)
            if earlier is None:
                raise
            return Received(earlier, replay=True)
        except KamavorError as error:
            failed = error
    reasons = _reasons(lambda: handler(context)(), failed)

    def keep() -> Submission:
        return Submission.objects.create(
            status=Submission.Status.REVIEW,
            reason_code=failed.code,
            reasons=reasons,
            data_sealed=vault().seal(json.dumps(instance.values, ensure_ascii=False)),
            **fields,
        )

    try:
        return Received(in_transaction(keep), replay=False)
    except IntegrityError:
        earlier = _earlier(organisation, instance.instance_id, digest)
        if earlier is None:
            raise
        return Received(earlier, replay=True)


def _personal_answers(values: dict) -> list[str]:
    return [name for name in PERSONAL_ANSWERS if str(values.get(name, "")).strip()]


def open_submission(*, submission: Submission, by) -> dict:
    """The values of a submission waiting for review, for a coordinator to check and fix; a
    look at personal answers is audited."""
    if not may(by, submission.organisation_id, Action.REVIEW_FIELD_DATA):
        raise PermissionDenied
    if not submission.data_sealed:
        return {}
    values = json.loads(vault().open(submission.data_sealed))
    present = _personal_answers(values)
    if present:
        with transaction.atomic():
            record_household(
                by=by,
                organisation_id=submission.organisation_id,
                household_id=None,
                action=AuditEntry.Action.VIEW,
                fields=present,
                note=f"field submission {submission.pk}",
            )
    return values


def _waiting(submission: Submission, by, key: str | None, status: str) -> tuple[Submission, bool]:
    """The submission locked, and whether this is a retry of the decision already taken (the
    same decider, decision and idempotency key)."""
    if not may(by, submission.organisation_id, Action.REVIEW_FIELD_DATA):
        raise PermissionDenied
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status != Submission.Status.REVIEW:
        if key and locked.decision_key == key and locked.decided_by_id == by.pk:
            if locked.status == status:
                return locked, True
            ensure_same_request("", "other")
        raise Conflict(_("This submission was already decided."), code="already_decided")
    locked.decision_key = key or ""
    return locked, False


def accept_submission(
    *, submission: Submission, values: dict, by, idempotency_key: str | None = None
) -> Submission:
    """Write a waiting submission, as it was or as the coordinator fixed it; a probable
    duplicate is registered anyway. A rule still failing is refused and nothing changes."""
    key = check_key(idempotency_key)

    def unit() -> Submission:
        locked, retry = _waiting(submission, by, key, Submission.Status.ACCEPTED)
        if retry:
            return locked
        context = Context(
            organisation=locked.organisation,
            by=by,
            values=values,
            key=f"openrosa:{locked.instance_id}",
            force=True,
        )
        locked.result = HANDLERS[locked.form_id](context)()[:200]
        locked.status = Submission.Status.ACCEPTED
        locked.data_sealed = ""
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.save(
            update_fields=[
                "result", "status", "data_sealed", "decided_by", "decided_at", "decision_key"
            ]
        )  # fmt: skip
        return locked

    return in_transaction(unit)


def reject_submission(
    *, submission: Submission, by, idempotency_key: str | None = None
) -> Submission:
    """Refuse a waiting submission for good: its values are dropped, the record stays."""
    key = check_key(idempotency_key)

    def unit() -> Submission:
        locked, retry = _waiting(submission, by, key, Submission.Status.REJECTED)
        if retry:
            return locked
        locked.status = Submission.Status.REJECTED
        locked.data_sealed = ""
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.save(
            update_fields=["status", "data_sealed", "decided_by", "decided_at", "decision_key"]
        )
        return locked

    return in_transaction(unit)
