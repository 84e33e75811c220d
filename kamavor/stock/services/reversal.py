"""Reversal: a posted document undone by opposite movements, never edited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.core.errors import Conflict, InvalidInput, NotEnoughStock
from kamavor.network.access import Action, may, role_at
from kamavor.network.models import Member
from kamavor.stock.ledger import Claim, Posting, idempotent
from kamavor.stock.models import Document, DocumentLine
from kamavor.stock.services._common import (
    Kind,
    _clean_text,
    _new_document,
)

OnReverse = Callable[..., None]  # callback(original, lines=[ids of the lines reversed now])

# Document kind → what other apps undo when a document of that kind is reversed (the distribution
# app uncounts request fulfilment). Filled in AppConfig.ready(); the stock app imports no other app.
_on_reverse: dict[str, list[OnReverse]] = {}


def on_reverse(kind: str, callback: OnReverse) -> None:
    """Run `callback(original, lines=[…])` inside the reversal's transaction, after the movements
    of those lines of the original of this kind are undone (all of them, or one line).
    Registering the same callback twice registers it once."""
    callbacks = _on_reverse.setdefault(kind, [])
    if callback not in callbacks:
        callbacks.append(callback)


def can_reverse(user, document: Document) -> bool:
    """Coordinators reverse any posted document of their points; a volunteer only their own,
    recent one (a mistake at the desk)."""
    if document.kind == Document.Kind.REVERSAL or document.status not in (
        Document.Status.POSTED,
        Document.Status.SENT,
        Document.Status.RECEIVED,
    ):
        return False
    if not may(user, document.organisation_id, Action.REVERSE):
        return False
    role = role_at(user, document.organisation_id)
    if role == Member.Role.VOLUNTEER:
        window = dt.timedelta(hours=settings.KAMAVOR_SELF_REVERSAL_HOURS)
        return (
            document.created_by_id == user.pk
            and document.created_at >= timezone.now() - window
            and document.kind
            in (Document.Kind.DONATION, Document.Kind.KIT_BUILD, Document.Kind.DISTRIBUTION)
        )
    if document.status == Document.Status.RECEIVED and document.destination_id:
        return may(user, document.destination.organisation_id, Action.REVERSE)
    return True


def _check_reversible(document: Document) -> None:
    if document.kind == Document.Kind.REVERSAL:
        raise Conflict(_("A reversal cannot be reversed; post the goods again instead."))
    if document.status == Document.Status.REVERSED:
        raise Conflict(_("This document has already been reversed."))
    if document.status in (Document.Status.DRAFT, Document.Status.CANCELLED):
        raise Conflict(_("Only a posted document can be reversed."))


def reverse_document(
    *,
    document: Document,
    by,
    reason: str = "",
    idempotency_key: str | None = None,
    line: DocumentLine | None = None,
) -> Document:
    """Undo a posted document with opposite movements; the original stays, marked reversed.
    With `line`, undo only that line (a wrong line of a good document): the document stays
    posted until every line that moved stock is reversed. A line or a document is reversed
    once; a whole reversal after some lines undoes the rest."""
    reason = _clean_text(reason, limit=300, label=_("Reason"))
    if line is not None and line.document_id != document.pk:
        raise InvalidInput(_("This line is not on the document."), field="line")
    request = {
        "kind": "reversal",
        "document": document.pk,
        "reason": reason,
        "line": line.pk if line is not None else None,
    }

    def work(claim: Claim) -> Document:
        reversal = _new_document(
            kind=Document.Kind.REVERSAL,
            point=document.point,
            by=by,
            reason=reason,
            destination=document.destination,
        )
        claim(reversal)  # before the original is locked: a concurrent retry waits here
        original = Document.objects.select_for_update().get(pk=document.pk)
        _check_reversible(original)
        if not can_reverse(by, original):
            raise PermissionDenied
        movements = original.movements.filter(reversed_by__isnull=True)
        if line is not None:
            movements = movements.filter(line=line)
            if not movements.exists():
                raise Conflict(_("This line has already been reversed, or moved no stock."))
        reversal.reverses = original
        reversal.save(update_fields=["reverses"])
        posting = Posting(document=reversal, by=by)
        lines: set[int] = set()
        for movement in movements.select_related("lot__item", "line").order_by("-pk"):
            posting.move(
                lot=movement.lot,
                delta=-movement.quantity,
                kind=Kind.REVERSAL,
                line=movement.line,
                reversal_of=movement,
            )
            if movement.line_id:
                lines.add(movement.line_id)
        try:
            posting.save()
        except NotEnoughStock as error:
            raise NotEnoughStock(
                _("Cannot reverse: part of this stock has already left. %(detail)s")
                % {"detail": error.message}
            ) from None
        if not original.movements.filter(reversed_by__isnull=True).exists():
            original.status = Document.Status.REVERSED
            original.save(update_fields=["status"])
        for callback in _on_reverse.get(original.kind, ()):
            callback(original, lines=sorted(lines))
        return reversal

    return idempotent(by=by, key=idempotency_key, request=request, work=work)
