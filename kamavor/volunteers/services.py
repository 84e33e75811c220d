"""Every change to shifts and sign-ups, and every reading of volunteers' contact data.

Views and commands parse input, call one of these, and show the result. Contact values only
leave this module sealed (to the database) or in the `Contact` records that `contacts_for`
returns to a coordinator of the point's organisation, after writing the audit entries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kamavor.core.errors import Conflict, InvalidInput, KamavorError
from kamavor.core.idempotency import check_key, ensure_same_request
from kamavor.network.access import Action, may
from kamavor.network.models import Point
from kamavor.privacy.audit import ContactAudit, record_contacts
from kamavor.privacy.sealing import (
    normalise_phone,
    vault,
    volunteer_email_digest,
    volunteer_phone_digest,
)
from kamavor.volunteers.mail import send_cancellation
from kamavor.volunteers.models import (
    FormHit,
    Shift,
    ShiftTemplate,
    SignUp,
    SignUpReceipt,
    Task,
    Volunteer,
)

NAME_LIMIT = 80
PHONE_LIMIT = 30
EMAIL_LIMIT = 200
NOTES_LIMIT = 300
MAX_HANDS = 200
MAX_SHIFT_HOURS = 24
PLAN_DAYS = 14
# A resubmitted sign-up is answered from its receipt this long (a sealed link is kept no longer).
RECEIPT_LIFETIME = dt.timedelta(days=1)
SPOKEN_LANGUAGES = [("hy", "Հայերեն"), ("ru", "Русский"), ("en", "English")]
# A name is letters, digits, spaces and a little punctuation: no markup, no control characters.
_NAME = re.compile(r"^[\w .,'’()\-]+$")
_PHONE = re.compile(r"^\+?[\d ()\-]+$")


class RateLimited(KamavorError):
    code = "rate_limited"
    status = 429


@dataclass(frozen=True)
class Contact:
    """A volunteer's contact data in clear, for a coordinator; never stored like this."""

    name: str
    phone: str
    email: str


# ---------------------------------------------------------------- checks


def _require(by, point: Point) -> None:
    if not may(by, point.organisation_id, Action.MANAGE_SHIFTS):
        raise PermissionDenied


def _text(value: str, *, limit: int, label: str, name: str) -> str:
    value = (value or "").replace("\x00", "").strip()
    if len(value) > limit:
        raise InvalidInput(
            _("%(label)s is too long (at most %(n)d characters).") % {"label": label, "n": limit},
            field=name,
        )
    return value


def clean_name(value: str) -> str:
    name = _text(value, limit=NAME_LIMIT, label=_("Name"), name="name")
    if not name:
        raise InvalidInput(_("Give a name or a nickname."), field="name")
    if not _NAME.match(name):
        raise InvalidInput(
            _("A name may hold letters, digits, spaces and . , ' ( ) - only."), field="name"
        )
    return name


def clean_phone(value: str) -> str:
    phone = _text(value, limit=PHONE_LIMIT, label=_("Phone"), name="phone")
    if phone and (not _PHONE.match(phone) or len(re.sub(r"\D", "", phone)) < 6):
        raise InvalidInput(_("This is not a phone number."), field="phone")
    return phone


def clean_email(value: str) -> str:
    email = _text(value, limit=EMAIL_LIMIT, label=_("E-mail"), name="email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(_("This is not an e-mail address."), field="email") from None
    return email


def clean_languages(values: Iterable[str]) -> list[str]:
    known = [code for code, _label in SPOKEN_LANGUAGES]
    values = list(values)
    if any(value not in known for value in values):
        raise InvalidInput(_("Choose languages from the list."), field="languages")
    return [code for code in known if code in values]


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidInput(_("A shift must end after it starts."), field="ends_at")
    if ends_at - starts_at > dt.timedelta(hours=MAX_SHIFT_HOURS):
        raise InvalidInput(
            _("A shift lasts at most %(n)d hours.") % {"n": MAX_SHIFT_HOURS}, field="ends_at"
        )


def _check_hands(hands: int) -> int:
    if not isinstance(hands, int) or not 1 <= hands <= MAX_HANDS:
        raise InvalidInput(
            _("Hands needed must be a whole number from 1 to %(n)d.") % {"n": MAX_HANDS},
            field="hands_needed",
        )
    return hands


def _check_task(task: str) -> str:
    if task not in Task.values:
        raise InvalidInput(_("Choose a task from the list."), field="task")
    return task


# ---------------------------------------------------------------- shifts


def create_shift(
    *,
    point: Point,
    task: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    hands_needed: int,
    notes: str = "",
    notes_translations: dict[str, str] | None = None,
    by,
) -> Shift:
    """One shift at a point; its notes by default and per language (`{"ru": ...}`)."""
    _require(by, point)
    _check_task(task)
    _check_times(starts_at, ends_at)
    notes = _text(notes, limit=NOTES_LIMIT, label=_("Notes"), name="notes")
    return Shift.objects.create(
        point=point,
        task=task,
        starts_at=starts_at,
        ends_at=ends_at,
        hands_needed=_check_hands(hands_needed),
        notes=notes,
        **_translated_notes(notes_translations),
        created_by=by,
    )


def _translated_notes(translations: dict[str, str] | None) -> dict[str, str]:
    """`notes_hy`, `notes_ru`, `notes_en` from the texts given per language."""
    return {
        f"notes_{code}": _text(
            (translations or {}).get(code, ""), limit=NOTES_LIMIT, label=_("Notes"), name="notes"
        )
        for code, _name in settings.LANGUAGES
    }


def create_template(
    *,
    point: Point,
    task: str,
    weekdays: Sequence[int],
    start_time: dt.time,
    end_time: dt.time,
    hands_needed: int,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    notes: str = "",
    notes_translations: dict[str, str] | None = None,
    by,
) -> ShiftTemplate:
    """A repeating shift, and its shifts for the next two weeks."""
    _require(by, point)
    _check_task(task)
    days = sorted({int(d) for d in weekdays})
    if not days or any(not 0 <= d <= 6 for d in days):
        raise InvalidInput(_("Choose at least one weekday."), field="weekdays")
    if end_time <= start_time:
        raise InvalidInput(_("A shift must end after it starts."), field="end_time")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(_("The last day is before the first."), field="ends_on")
    notes = _text(notes, limit=NOTES_LIMIT, label=_("Notes"), name="notes")
    with transaction.atomic():
        template = ShiftTemplate.objects.create(
            point=point,
            task=task,
            weekdays=days,
            start_time=start_time,
            end_time=end_time,
            hands_needed=_check_hands(hands_needed),
            notes=notes,
            **_translated_notes(notes_translations),
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=by,
        )
        plan_shifts(template=template)
    return template


def plan_shifts(
    *, template: ShiftTemplate, today: dt.date | None = None, days: int = PLAN_DAYS
) -> int:
    """Create the template's shifts for the coming days; those already made are kept as they
    are (a coordinator may have changed or cancelled one). Returns how many were created."""
    if not template.active:
        return 0
    today = today or timezone.localdate()
    first = max(today, template.starts_on)
    last = today + dt.timedelta(days=days)
    if template.ends_on:
        last = min(last, template.ends_on)
    zone = timezone.get_current_timezone()
    wanted = []
    day = first
    while day <= last:
        if day.weekday() in template.weekdays:
            wanted.append(
                Shift(
                    point_id=template.point_id,
                    task=template.task,
                    starts_at=dt.datetime.combine(day, template.start_time, zone),
                    ends_at=dt.datetime.combine(day, template.end_time, zone),
                    hands_needed=template.hands_needed,
                    notes=template.notes,
                    notes_hy=template.notes_hy,
                    notes_ru=template.notes_ru,
                    notes_en=template.notes_en,
                    template=template,
                    created_by_id=template.created_by_id,
                )
            )
        day += dt.timedelta(days=1)
    existing = set(
        Shift.objects.filter(
            template=template, starts_at__in=[s.starts_at for s in wanted]
        ).values_list("starts_at", flat=True)
    )
    new = [s for s in wanted if s.starts_at not in existing]
    Shift.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def plan_all_shifts(*, today: dt.date | None = None) -> int:
    """Plan every active template's coming shifts (run daily, and before reminders)."""
    return sum(
        plan_shifts(template=t, today=today) for t in ShiftTemplate.objects.filter(active=True)
    )


def cancel_shift(*, shift: Shift, by) -> int:
    """Cancel a shift and tell its volunteers who gave an e-mail, each in their language.
    Returns how many were told."""
    _require(by, shift.point)
    if shift.cancelled:
        return 0
    shift.cancelled = True
    shift.save(update_fields=["cancelled"])
    signups = list(shift.signups.active().select_related("volunteer"))
    told = send_cancellation(shift=shift, volunteers=[s.volunteer for s in signups])
    _audit(
        by=by, shift=shift, volunteers=told, action=ContactAudit.Action.CONTACT,
        fields=["email"],
    )  # fmt: skip
    return len(told)


def stop_template(*, template: ShiftTemplate, by) -> int:
    """Stop a repeating shift: no more are planned, and its coming shifts that nobody signed
    up for are cancelled (those with volunteers stay, for the coordinator to decide).
    Returns how many were cancelled."""
    _require(by, template.point)
    template.active = False
    template.save(update_fields=["active"])
    taken = SignUp.objects.active().filter(shift__template=template).values("shift_id")
    return (
        template.shifts.filter(starts_at__gt=timezone.now(), cancelled=False)
        .exclude(pk__in=taken)
        .update(cancelled=True)
    )


# ---------------------------------------------------------------- rate limit


def address_key(address: str) -> str:
    """A keyed digest of the client's address: the limit needs to recognise it, not keep it."""
    return vault().digest("address:" + (address or "unknown"))


def _count_hit(form: str, address: str, now: dt.datetime) -> None:
    """Refuse when this address sent the form too often lately, else remember this one."""
    key = address_key(address)
    if connection.vendor == "postgresql":
        # Several app processes: one submission per address counts at a time (SQLite's
        # immediate transactions already queue every writer).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(key[:15], 16)])
    window = dt.timedelta(minutes=settings.KAMAVOR_PUBLIC_FORM_WINDOW)
    recent = FormHit.objects.filter(form=form, key=key, at__gt=now - window).count()
    if recent >= settings.KAMAVOR_PUBLIC_FORM_LIMIT:
        raise RateLimited(
            _(
                "Too many sign-ups from your connection in a short time. Please wait "
                "%(n)d minutes and try again."
            )
            % {"n": settings.KAMAVOR_PUBLIC_FORM_WINDOW}
        )
    FormHit.objects.create(form=form, key=key, at=now)
    FormHit.objects.filter(at__lt=now - 2 * window).delete()


# ---------------------------------------------------------------- sign-ups


def link_digest(token: str) -> str:
    """The stored form of a private link's token. A plain SHA-256 is enough for 192 random
    bits (nothing to guess), and it survives a rotation of the encryption keys."""
    return hashlib.sha256(("volunteer-link:" + token).encode()).hexdigest()


def volunteer_for_link(token: str) -> Volunteer | None:
    """The volunteer whose private link carries this token, or None."""
    token = (token or "")[:100]
    if not token:
        return None
    return Volunteer.objects.filter(link_digest=link_digest(token)).first()


def _locked(shift: Shift) -> Shift:
    """The shift's row, locked until the transaction ends: every sign-up to one shift queues
    here first (then for the address's limit), so places and receipts are counted in turn."""
    return Shift.objects.select_for_update().get(pk=shift.pk)


def _place(shift: Shift, volunteer: Volunteer, now: dt.datetime) -> SignUp:
    """Take a place in the (locked) shift, if it is open and not full."""
    if shift.cancelled:
        raise Conflict(_("This shift was cancelled."))
    if shift.starts_at <= now:
        raise Conflict(_("This shift has already started."))
    if shift.signups.active().count() >= shift.hands_needed:
        raise Conflict(_("This shift is full. Please choose another one."), code="shift_full")
    try:
        with transaction.atomic():
            return SignUp.objects.create(shift=shift, volunteer=volunteer, created_at=now)
    except IntegrityError:
        raise Conflict(_("You have already signed up for this shift.")) from None


def _receipt_digests(shift: Shift, key: str | None, values: dict) -> tuple[str | None, str, str]:
    """Keyed digests (never plain hashes: they cover a name and a contact) of the form's key,
    of the whole request, and of the person on this shift."""
    v = vault()
    request = json.dumps({"shift": shift.pk, **values}, sort_keys=True)
    person = "|".join(
        [
            str(shift.pk),
            " ".join(values["name"].casefold().split()),
            normalise_phone(values["phone"]),
            values["email"].lower(),
        ]
    )
    return (
        v.digest("signup-key:" + key) if key else None,
        v.digest("signup-request:" + request),
        v.digest("signup-person:" + person),
    )


def _replay(key_digest: str | None, fingerprint: str) -> tuple[SignUp, str] | None:
    """The first answer to this form's key, if it was already submitted."""
    if key_digest is None:
        return None
    receipt = (
        SignUpReceipt.objects.filter(key_digest=key_digest)
        .select_related("signup", "signup__shift")
        .first()
    )
    if receipt is None:
        return None
    ensure_same_request(receipt.fingerprint, fingerprint)
    signup = receipt.signup
    signup.replayed = True
    return signup, vault().open(receipt.link_sealed)


def sign_up(
    *,
    shift: Shift,
    name: str,
    phone: str = "",
    email: str = "",
    languages: Iterable[str] = (),
    address: str,
    idempotency_key: str | None = None,
) -> tuple[SignUp, str]:
    """A new volunteer takes a place in a shift. Returns the sign-up and the private link's
    token, which is shown (and e-mailed) once and stored only as a digest (and sealed for a
    day on the receipt that answers a resubmission).

    The same form sent again (same idempotency key) takes no second place: it gets the first
    sign-up and link back, with `signup.replayed` set. The same person (name and contact) on a
    fresh form is told they have signed up already, without the link.
    """
    name = clean_name(name)
    phone, email = clean_phone(phone), clean_email(email)
    if not phone and not email:
        raise InvalidInput(_("Give a phone number or an e-mail address."), field="phone")
    spoken = clean_languages(languages)
    key = check_key(idempotency_key)
    values = {"name": name, "phone": phone, "email": email, "languages": spoken}
    key_digest, fingerprint, person = _receipt_digests(shift, key, values)
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    v = vault()
    try:
        with transaction.atomic():
            locked = _locked(shift)
            if (earlier := _replay(key_digest, fingerprint)) is not None:
                return earlier
            if SignUpReceipt.objects.filter(
                person_digest=person, signup__cancelled_at__isnull=True
            ).exists():
                raise Conflict(
                    _("You have already signed up for this shift."), code="already_signed_up"
                )
            _count_hit("signup", address, now)
            volunteer = Volunteer.objects.create(
                name_sealed=v.seal(name),
                phone_sealed=v.seal(phone),
                email_sealed=v.seal(email),
                phone_digest=volunteer_phone_digest(phone, v),
                email_digest=volunteer_email_digest(email, v),
                languages=spoken,
                language=(translation.get_language() or "hy")[:2],
                link_digest=link_digest(token),
                created_at=now,
            )
            signup = _place(locked, volunteer, now)
            SignUpReceipt.objects.filter(created_at__lt=now - RECEIPT_LIFETIME).delete()
            SignUpReceipt.objects.create(
                signup=signup,
                key_digest=key_digest,
                fingerprint=fingerprint,
                person_digest=person,
                link_sealed=v.seal(token),
                created_at=now,
            )
    except IntegrityError:
        # The same key sent for another shift at the same moment: answer as a reused key.
        if (earlier := _replay(key_digest, fingerprint)) is not None:
            return earlier
        raise
    signup.replayed = False
    return signup, token


def join_shift(*, volunteer: Volunteer, shift: Shift, address: str) -> SignUp:
    """A volunteer with a private link takes a place in another shift; sent twice, it keeps
    the one place it took."""
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(shift)
        taken = locked.signups.active().filter(volunteer=volunteer).first()
        if taken is not None:
            return taken
        _count_hit("signup", address, now)
        return _place(locked, volunteer, now)


def cancel_sign_up(*, volunteer: Volunteer, signup_id) -> SignUp:
    """The volunteer gives their place back (their own sign-ups only, before the shift ends)."""
    try:
        signup = volunteer.signups.select_related("shift").get(pk=int(signup_id))
    except (SignUp.DoesNotExist, TypeError, ValueError):
        raise InvalidInput(_("There is no such sign-up.")) from None
    if signup.cancelled_at:
        return signup
    if signup.shift.ends_at <= timezone.now():
        raise Conflict(_("This shift is over."))
    signup.cancelled_at = timezone.now()
    signup.save(update_fields=["cancelled_at"])
    return signup


# ---------------------------------------------------------------- at the point


def check_in(*, signup: SignUp, by) -> SignUp:
    _require(by, signup.shift.point)
    if signup.cancelled_at:
        raise Conflict(_("This sign-up was cancelled."))
    signup.checked_in_at = signup.checked_in_at or timezone.now()
    signup.no_show = False
    signup.save(update_fields=["checked_in_at", "no_show"])
    return signup


def check_out(*, signup: SignUp, by) -> SignUp:
    _require(by, signup.shift.point)
    if not signup.checked_in_at:
        raise Conflict(_("Check in first."))
    signup.checked_out_at = timezone.now()
    signup.save(update_fields=["checked_out_at"])
    return signup


def mark_no_show(*, signup: SignUp, by) -> SignUp:
    _require(by, signup.shift.point)
    if signup.checked_in_at:
        raise Conflict(_("This volunteer has checked in."))
    signup.no_show = True
    signup.save(update_fields=["no_show"])
    return signup


# ---------------------------------------------------------------- contact data


def _audit(*, by, shift: Shift, volunteers: Iterable[Volunteer], action: str, fields) -> None:
    record_contacts(
        by=by,
        organisation_id=shift.point.organisation_id,
        volunteer_ids=[volunteer.pk for volunteer in volunteers],
        shift_id=shift.pk,
        action=action,
        fields=fields,
    )


def contacts_for(
    *, by, shift: Shift, signups: Sequence[SignUp], export: bool = False
) -> dict[int, Contact]:
    """Opened contact data of the volunteers of a shift, for a coordinator of its point's
    organisation; every opening is written to the audit log."""
    _require(by, shift.point)
    v = vault()
    volunteers = {s.volunteer_id: s.volunteer for s in signups}
    action = ContactAudit.Action.EXPORT if export else ContactAudit.Action.VIEW
    _audit(
        by=by, shift=shift, volunteers=volunteers.values(), action=action,
        fields=["name", "phone", "email"],
    )  # fmt: skip
    return {
        pk: Contact(v.open(x.name_sealed), v.open(x.phone_sealed), v.open(x.email_sealed))
        for pk, x in volunteers.items()
    }


def write_to_shift(*, shift: Shift, subject: str, message: str, by) -> int:
    """E-mail the volunteers of a shift who gave an address; returns how many were written to."""
    _require(by, shift.point)
    subject = _text(subject, limit=150, label=_("Subject"), name="subject")
    message = _text(message, limit=4000, label=_("Message"), name="message")
    if not subject or not message:
        raise InvalidInput(_("Write a subject and a message."), field="message")
    signups = list(shift.signups.active().select_related("volunteer"))
    v = vault()
    recipients = [(s.volunteer, v.open(s.volunteer.email_sealed)) for s in signups]
    recipients = [(volunteer, email) for volunteer, email in recipients if email]
    _audit(
        by=by, shift=shift, volunteers=[x for x, _e in recipients],
        action=ContactAudit.Action.CONTACT, fields=["email"],
    )  # fmt: skip
    with get_connection() as connection:
        for _volunteer, email in recipients:
            EmailMessage(subject, message, to=[email], connection=connection).send()
    return len(recipients)


# ---------------------------------------------------------------- reports


@dataclass
class PersonHours:
    """One person (recognised across private links by their contact digest) at an
    organisation's points: shifts signed up for, worked, missed, and hours checked in."""

    key: str
    volunteer: Volunteer
    shifts: int = 0
    worked: int = 0
    no_shows: int = 0
    hours: float = 0.0

    @property
    def recurring(self) -> bool:
        return self.worked >= 2


def hours_by_person(*, points: Sequence[Point], since: dt.datetime) -> list[PersonHours]:
    """Hours per volunteer at these points since a moment, most hours first."""
    people: dict[str, PersonHours] = {}
    signups = (
        SignUp.objects.active()
        .filter(shift__point__in=points, shift__starts_at__gte=since)
        .select_related("volunteer", "shift")
        .order_by("shift__starts_at")
    )
    for signup in signups:
        key = signup.volunteer.person_key
        person = people.setdefault(key, PersonHours(key=key, volunteer=signup.volunteer))
        person.shifts += 1
        person.worked += bool(signup.checked_in_at)
        person.no_shows += signup.no_show
        person.hours += signup.hours
    return sorted(people.values(), key=lambda p: (-p.hours, -p.worked, p.key))


def first_timers(*, shift: Shift, signups: Sequence[SignUp]) -> set[int]:
    """The volunteers of a roster who never came to a shift of this organisation before (by
    their contact digests, across private links): they need a word of welcome and a briefing."""
    emails = {s.volunteer.email_digest for s in signups if s.volunteer.email_digest}
    phones = {s.volunteer.phone_digest for s in signups if s.volunteer.phone_digest}
    came = SignUp.objects.filter(
        Q(volunteer__email_digest__in=emails) | Q(volunteer__phone_digest__in=phones),
        checked_in_at__isnull=False,
        shift__point__organisation_id=shift.point.organisation_id,
        shift__starts_at__lt=shift.starts_at,
    ).values_list("volunteer__email_digest", "volunteer__phone_digest")
    known = {digest for pair in came for digest in pair if digest}
    return {
        s.volunteer_id
        for s in signups
        if not ({s.volunteer.email_digest, s.volunteer.phone_digest} - {""}) & known
    }


def open_names(*, by, point: Point, people: Sequence[PersonHours]) -> dict[str, str]:
    """The names of these people for a coordinator of the point (audited as a view)."""
    _require(by, point)
    v = vault()
    record_contacts(
        by=by,
        organisation_id=point.organisation_id,
        volunteer_ids=[p.volunteer.pk for p in people],
        action=ContactAudit.Action.VIEW,
        fields=["name"],
    )
    return {p.key: v.open(p.volunteer.name_sealed) for p in people}


# ---------------------------------------------------------------- retention and keys


def erase_old_contacts(*, days: int, now: dt.datetime | None = None) -> int:
    """Erase the contact data of volunteers whose last shift ended `days` days ago or more
    (their sign-ups and hours stay, without a name). Returns how many were erased (registered
    with privacy's retention in VolunteersConfig.ready)."""
    if days < 1:
        raise InvalidInput(_("Keep personal data at least one day."), field="days")
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    recent = SignUp.objects.filter(shift__ends_at__gte=cutoff).values("volunteer_id")
    old = Volunteer.objects.exclude(pk__in=recent).exclude(name_sealed="", phone_sealed="")
    SignUpReceipt.objects.filter(signup__volunteer__in=old).delete()
    return old.update(
        name_sealed="", phone_sealed="", email_sealed="", phone_digest="", email_digest=""
    )


def rotate_contact_keys() -> int:
    """Re-seal every volunteer's contact data with the first key and recompute its digests."""
    v = vault()
    count = 0
    # Receipts only answer resubmissions within a day: dropped rather than left under old keys.
    SignUpReceipt.objects.all().delete()
    for volunteer in Volunteer.objects.exclude(name_sealed="").iterator():
        volunteer.name_sealed = v.reseal(volunteer.name_sealed)
        volunteer.phone_sealed = v.reseal(volunteer.phone_sealed)
        volunteer.email_sealed = v.reseal(volunteer.email_sealed)
        volunteer.phone_digest = volunteer_phone_digest(v.open(volunteer.phone_sealed), v)
        volunteer.email_digest = volunteer_email_digest(v.open(volunteer.email_sealed), v)
        volunteer.save(
            update_fields=[
                "name_sealed", "phone_sealed", "email_sealed", "phone_digest", "email_digest",
            ]
        )  # fmt: skip
        count += 1
    return count
