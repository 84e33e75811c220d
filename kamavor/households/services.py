"""Every change of a household and every reading of its personal fields, audited.

Views, API endpoints and commands parse input, call one of these, and show the result. Personal
values only ever leave this module sealed (to the database) or in the plain dict that
`personal_data_for` returns to a role allowed to see it, after writing the audit entry.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kamavor.core import rows
from kamavor.core.errors import Conflict, InvalidInput
from kamavor.core.idempotency import check_key, ensure_same_request, run_once
from kamavor.households.models import (
    COMPOSITION_FIELDS,
    VULNERABILITIES,
    Household,
    MergeRecord,
    NameToken,
    PersonalData,
    RegistrationKey,
)
from kamavor.lib import household_codes
from kamavor.lib.person_keys import parse_birth_date
from kamavor.matching import services as matching
from kamavor.network.access import Action, may, organisations_for
from kamavor.network.models import Organisation, Point
from kamavor.privacy.audit import AuditEntry, record_household, record_households
from kamavor.privacy.sealing import (
    document_digest,
    name_digests,
    normalise_document,
    normalise_phone,
    phone_digest,
    vault,
)

FLAG_NAMES = [name for name, _label in VULNERABILITIES]
PERSONAL_FIELDS = [
    "collector_name",
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "member_names",
    "phone",
    "document",
]
SEX_VALUES = ("female", "male")
MAX_PER_BAND = 30
CODE_ATTEMPTS = 8
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


# Whether a household's "where it stays" is held by a shelter placement: the shelters app sets
# this when it starts, and then only its check-in, check-out and moves change it.
def _never_placed(household: Household) -> bool:
    return False


is_placed: Callable[[Household], bool] = _never_placed


# How a household registered (or corrected) into a shelter takes its bed: the shelters app sets
# this when it starts, to check the household in through its placement service, inside the
# registration's transaction (so counters and history stay right, and no free bed means no
# household). It answers False for a shelter that counts no beds: that choice stays a plain
# "where it stays", as before the shelters app.
def _no_placement(*, household: Household, shelter: Point, by) -> bool:
    return False


place_in_shelter: Callable[..., bool] = _no_placement


@dataclass(frozen=True)
class Profile:
    """What a household is, without anyone's name: composition, flags, where it stays."""

    composition: Mapping[str, int]
    flags: Collection[str] = ()
    shelter: Point | None = None
    area: str = ""
    languages: Sequence[str] = ()
    notes: str = ""


@dataclass(frozen=True)
class Personal:
    """Optional personal data as typed, with its basis: the notice given, and consent if used."""

    collector_name: str = ""
    phone: str = ""
    document: str = ""
    given_name: str = ""
    family_name: str = ""
    birth_date: str = ""  # full, year only, or "" for "don't know"
    sex: str = ""
    member_names: str = ""  # the other members' first names, separated by commas
    basis: str = PersonalData.Basis.CONSENT
    notice_language: str = "hy"
    consent: bool = False

    @property
    def empty(self) -> bool:
        return not any(getattr(self, name).strip() for name in PERSONAL_FIELDS)

    def present(self) -> list[str]:
        return [name for name in PERSONAL_FIELDS if getattr(self, name).strip()]

    @property
    def identity(self) -> matching.Identity:
        """What the matching app digests; a single name field is read as given then family."""
        given, family = self.given_name, self.family_name
        if not (given or family) and self.collector_name:
            given, _space, family = self.collector_name.strip().partition(" ")
        return matching.Identity(
            given=given,
            family=family,
            birth_date=self.birth_date,
            sex=self.sex,
            phone=self.phone,
            document=self.document,
            members=[n for n in self.member_names.split(",") if n.strip()],
        )


@dataclass
class Candidate:
    """A household that may be the one being registered, and why."""

    household: Household
    reasons: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)  # the matcher's, in words
    score: float | None = None
    # Whether the matcher found more than a shared phone or document (names, birth date…):
    # the audit then records that identity fields were compared.
    identity_agrees: bool = False

    @property
    def reason_labels(self) -> list[str]:
        labels = [str(REASONS[r]) for r in self.reasons]
        return labels + [e for e in self.evidence if e not in labels]


REASONS = {
    "phone": gettext_lazy("same phone"),
    "document": gettext_lazy("same identity document"),
    "name": gettext_lazy("similar name and composition"),
}


# ---------------------------------------------------------------- checks


# Sums over the active households' compositions kept elsewhere (the needs app's entitlement
# totals): each change is (organisation id, composition before, composition after), None for
# a household that is not (or no longer) counted, passed inside the service's transaction.
CompositionChange = tuple[int, Mapping[str, int] | None, Mapping[str, int] | None]
_composition_listeners: list[Callable[[list[CompositionChange]], None]] = []


def on_composition_change(listener: Callable[[list[CompositionChange]], None]) -> None:
    """Call `listener` with every change of the active households' compositions, inside the
    transaction that makes it (registration, correction, merge). Registered once, at start."""
    if listener not in _composition_listeners:
        _composition_listeners.append(listener)


def _compositions_changed(changes: list[CompositionChange]) -> None:
    for listener in _composition_listeners:
        listener(changes)


def _require(by, organisation_id: int, action: Action) -> None:
    if not may(by, organisation_id, action):
        raise PermissionDenied


def _text(value: str, *, limit: int, label: str, name: str) -> str:
    value = (value or "").replace("\x00", "").strip()
    if len(value) > limit:
        raise InvalidInput(
            _("%(label)s is too long (at most %(n)d characters).") % {"label": label, "n": limit},
            field=name,
        )
    return value


def check_composition(composition: Mapping[str, int]) -> dict[str, int]:
    """Counts per sex and age band: whole numbers, at least one person in all."""
    unknown = set(composition) - set(COMPOSITION_FIELDS)
    if unknown:
        raise InvalidInput(
            _("Unknown age band: %(band)s.") % {"band": sorted(unknown)[0]}, field="composition"
        )
    clean = {}
    for name in COMPOSITION_FIELDS:
        value = composition.get(name, 0)
        if value in (None, ""):
            value = 0
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PER_BAND:
            raise InvalidInput(
                _("Each count must be a whole number from 0 to %(n)d.") % {"n": MAX_PER_BAND},
                field=name,
            )
        clean[name] = value
    if not sum(clean.values()):
        raise InvalidInput(
            _("A household has at least one person: enter its composition."),
            code="empty_household",
            field="composition",
        )
    return clean


def _check_profile(profile: Profile, organisation_id: int) -> dict:
    unknown = set(profile.flags) - set(FLAG_NAMES)
    if unknown:
        raise InvalidInput(_("Unknown vulnerability flag."), field="flags")
    shelter = profile.shelter
    if shelter is not None and (
        shelter.organisation_id != organisation_id or shelter.kind != Point.Kind.SHELTER
    ):
        raise InvalidInput(_("Unknown shelter."), code="unknown_shelter", field="shelter")
    languages = []
    for code in profile.languages:
        if code not in LANGUAGE_CODES:
            raise InvalidInput(_("Unknown language."), field="languages")
        if code not in languages:
            languages.append(code)
    return {
        **check_composition(profile.composition),
        **{name: name in profile.flags for name in FLAG_NAMES},
        "shelter": shelter,
        "area": _text(profile.area, limit=200, label=_("Area"), name="area"),
        "languages": languages,
        "notes": _text(profile.notes, limit=2000, label=_("Notes"), name="notes"),
    }


def _check_personal(personal: Personal) -> Personal:
    values = {
        "collector_name": _text(
            personal.collector_name, limit=200, label=_("Name"), name="collector_name"
        ),
        "phone": _text(personal.phone, limit=40, label=_("Phone"), name="phone"),
        "document": _text(personal.document, limit=60, label=_("Document number"), name="document"),
        "given_name": _text(
            personal.given_name, limit=100, label=_("Given name"), name="given_name"
        ),
        "family_name": _text(
            personal.family_name, limit=100, label=_("Family name"), name="family_name"
        ),
        "birth_date": _text(
            personal.birth_date, limit=20, label=_("Birth date"), name="birth_date"
        ),
        "sex": (personal.sex or "").strip(),
        "member_names": _text(
            personal.member_names, limit=400, label=_("Other members"), name="member_names"
        ),
    }
    if values["birth_date"]:
        date = parse_birth_date(values["birth_date"])
        if date is None:
            raise InvalidInput(
                _("Type the birth date as day.month.year, or the year only."), field="birth_date"
            )
        values["birth_date"] = (
            f"{date.year:04d}-{date.month:02d}-{date.day:02d}" if date.full else str(date.year)
        )
    if values["sex"] and values["sex"] not in SEX_VALUES:
        raise InvalidInput(_("Choose female or male, or leave it empty."), field="sex")
    if values["phone"] and len(normalise_phone(values["phone"])) < 6:
        raise InvalidInput(_("This phone number is too short."), field="phone")
    if values["document"] and not normalise_document(values["document"]):
        raise InvalidInput(_("Enter the document number's letters and digits."), field="document")
    if personal.basis not in PersonalData.Basis.values:
        raise InvalidInput(_("Choose the basis for keeping personal data."), field="basis")
    if personal.notice_language not in LANGUAGE_CODES:
        raise InvalidInput(
            _("Choose the language the privacy notice was given in."), field="notice_language"
        )
    if personal.basis == PersonalData.Basis.CONSENT and not personal.consent:
        raise InvalidInput(
            _("Personal data on the basis of consent needs the person's consent."),
            code="consent_missing",
            field="consent",
        )
    return Personal(
        **values,
        basis=personal.basis,
        notice_language=personal.notice_language,
        consent=personal.consent,
    )


def _audit(*, by, household: Household, action: str, fields: Sequence[str] = (), note=""):
    record_household(
        by=by,
        organisation_id=household.organisation_id,
        household_id=household.pk,
        action=action,
        fields=fields,
        note=note,
    )


# ---------------------------------------------------------------- personal data


def _seal_into(household: Household, personal: Personal) -> PersonalData:
    """Write (or replace) the sealed record and its name tokens."""
    v = vault()
    now = timezone.now()
    record = PersonalData.objects.filter(household=household).first() or PersonalData(
        household=household, notice_given_at=now
    )
    for name in PERSONAL_FIELDS:
        setattr(record, f"{name}_sealed", v.seal(getattr(personal, name)))
    record.phone_digest = phone_digest(personal.phone, v)
    record.document_digest = document_digest(personal.document, v)
    record.basis = personal.basis
    record.notice_language = personal.notice_language
    record.consent_at = (
        (record.consent_at or now) if personal.basis == PersonalData.Basis.CONSENT else None
    )
    record.updated_at = now
    record.save()
    _write_name_tokens(household, personal.collector_name, v)
    matching.file_household(
        household_id=household.pk,
        organisation_id=household.organisation_id,
        identity=personal.identity,
        v=v,
    )
    return record


def _write_name_tokens(household: Household, name: str, v) -> None:
    NameToken.objects.filter(household=household).delete()
    NameToken.objects.bulk_create(
        [NameToken(household=household, digest=d) for d in name_digests(name, v)]
    )


def _drop_personal(household: Household) -> list[str]:
    """Delete the personal record and name tokens; the names of the fields that were held."""
    record = PersonalData.objects.filter(household=household).first()
    if record is None:
        return []
    held = [name for name in PERSONAL_FIELDS if getattr(record, f"{name}_sealed")]
    NameToken.objects.filter(household=household).delete()
    matching.unfile_household(household_id=household.pk)
    record.delete()
    return held


def set_personal_data(*, household: Household, personal: Personal, by) -> Household:
    """Record or replace a household's personal data (an empty one erases it)."""
    _require(by, household.organisation_id, Action.EDIT_HOUSEHOLD)
    if household.status != Household.Status.ACTIVE:
        raise Conflict(_("This household was merged or closed: change the one it became."))
    if personal.empty:
        return erase_personal_data(household=household, by=by)
    personal = _check_personal(personal)
    with transaction.atomic():
        existed = PersonalData.objects.filter(household=household).exists()
        _seal_into(household, personal)
        action = AuditEntry.Action.UPDATE if existed else AuditEntry.Action.CREATE
        _audit(by=by, household=household, action=action, fields=personal.present())
        # A household registered without them (offline, say) meets the duplicate check now:
        # probable duplicates go to the review queue, as after a confirmed warning.
        matching.queue_pairs(
            organisation_id=household.organisation_id,
            household_id=household.pk,
            matches=matching.check(
                organisation_id=household.organisation_id,
                identity=personal.identity,
                registration=_registration(household),
                exclude_id=household.pk,
            ),
        )
    return household


def erase_personal_data(*, household: Household, by, note: str = "") -> Household:
    """Erase one household's personal fields (on request); the household and history stay."""
    _require(by, household.organisation_id, Action.EDIT_HOUSEHOLD)
    with transaction.atomic():
        held = _drop_personal(household)
        if held or note:
            _audit(
                by=by,
                household=household,
                action=AuditEntry.Action.ERASE,
                fields=held,
                note=note or "on request",
            )
    return household


def personal_data_for(user, household: Household, *, export: bool = False) -> dict:
    """The personal fields in clear, for a role allowed to see them; every call is audited."""
    _require(user, household.organisation_id, Action.VIEW_PERSONAL_DATA)
    record = PersonalData.objects.filter(household=household).first()
    if record is None:
        return {}
    v = vault()
    data = {name: v.open(getattr(record, f"{name}_sealed")) for name in PERSONAL_FIELDS}
    shown = [name for name in PERSONAL_FIELDS if data[name]]
    action = AuditEntry.Action.EXPORT if export else AuditEntry.Action.VIEW
    with transaction.atomic():
        _audit(by=user, household=household, action=action, fields=shown)
    return {
        **data,
        "basis": record.basis,
        "notice_language": record.notice_language,
        "notice_given_at": record.notice_given_at,
        "consent_at": record.consent_at,
    }


def has_personal_data(household: Household) -> bool:
    return PersonalData.objects.filter(household=household).exists()


# ---------------------------------------------------------------- register and change


def _fingerprint(organisation_id: int, profile: dict, personal: Personal | None) -> str:
    # Keyed, not a plain hash: the request may hold a name or a phone number.
    data = {
        "organisation": organisation_id,
        **{k: (v.pk if isinstance(v, Point) else v) for k, v in profile.items()},
        "personal": None if personal is None else personal.__dict__,
    }
    return vault().digest("request:" + json.dumps(data, sort_keys=True, default=str))


def _replay(*, by, key: str, print_: str) -> Household | None:
    record = RegistrationKey.objects.filter(user=by, key=key).select_related("household").first()
    if record is None:
        return None
    ensure_same_request(record.fingerprint, print_)
    return record.household


def registered_with(*, by, key: str | None) -> Household | None:
    """The household this user already registered with this idempotency key, if any (a retry
    skips the duplicate check: the household it would find is its own)."""
    if not key or not getattr(by, "is_authenticated", False):
        return None
    record = RegistrationKey.objects.filter(user=by, key=str(key).strip()).first()
    return record.household if record is not None else None


def _save_with_new_code(household: Household) -> None:
    """Save a new household under a fresh random code, drawing again on the (rare) collision:
    an INSERT that skips a code already taken, so no savepoint is needed around it."""
    names, marks, params = rows.values([household])
    sql = (
        f"INSERT INTO {rows.table(Household)} ({names}) VALUES {marks} "
        f"ON CONFLICT ({connection.ops.quote_name('code')}) DO NOTHING "
        f"RETURNING {connection.ops.quote_name(Household._meta.pk.column)}"
    )
    code_at = [f.attname for f in Household._meta.concrete_fields if not f.primary_key].index(
        "code"
    )
    with connection.cursor() as cursor:
        for _attempt in range(CODE_ATTEMPTS):
            household.code = params[code_at] = household_codes.new_code()
            cursor.execute(sql, params)
            inserted = cursor.fetchone()
            if inserted is not None:
                household.pk = inserted[0]
                household._state.adding = False
                household._state.db = connection.alias
                return
    raise Conflict(_("Could not find a free household code; try again."))


def register_household(
    *,
    organisation: Organisation,
    profile: Profile,
    by,
    point: Point | None = None,
    personal: Personal | None = None,
    idempotency_key: str | None = None,
) -> Household:
    """A new household with a fresh code; with personal data only if its basis is recorded.

    A retry with the same idempotency key and request returns the first household.
    """
    _require(by, organisation.pk, Action.REGISTER_HOUSEHOLD)
    if point is not None and point.organisation_id != organisation.pk:
        raise InvalidInput(_("Unknown point."), code="unknown_point", field="point")
    clean = _check_profile(profile, organisation.pk)
    if personal is not None and personal.empty:
        personal = None
    if personal is not None:
        personal = _check_personal(personal)
    key = check_key(idempotency_key)
    print_ = _fingerprint(organisation.pk, clean, personal) if key else ""

    def unit() -> Household:
        now = timezone.now()
        household = Household(
            organisation=organisation,
            registered_point=point,
            registered_by=by,
            registered_at=now,
            last_activity_at=now,
            **clean,
        )
        _save_with_new_code(household)
        if household.shelter is not None:
            place_in_shelter(household=household, shelter=household.shelter, by=by)
        _compositions_changed([(organisation.pk, None, household.composition)])
        if key is not None:
            # The claim (see kamavor.core.idempotency): a concurrent retry waits on it, then
            # answers this household.
            RegistrationKey.objects.create(
                user=by, key=key, fingerprint=print_, household=household
            )
        if personal is not None:
            _seal_into(household, personal)
            _audit(
                by=by,
                household=household,
                action=AuditEntry.Action.CREATE,
                fields=personal.present(),
            )
            # Registered despite a warning, or close enough to look at: the review queue.
            matching.queue_pairs(
                organisation_id=organisation.pk,
                household_id=household.pk,
                matches=matching.check(
                    organisation_id=organisation.pk,
                    identity=personal.identity,
                    registration=_registration(household),
                    exclude_id=household.pk,
                ),
            )
        return household

    replay = None if key is None else (lambda: _replay(by=by, key=key, print_=print_))
    return run_once(unit=unit, replay=replay)


def update_household(*, household: Household, profile: Profile, by) -> Household:
    """Correct composition, flags, where it stays, languages or notes; audited by field name."""
    _require(by, household.organisation_id, Action.EDIT_HOUSEHOLD)
    if household.status != Household.Status.ACTIVE:
        raise Conflict(_("This household was merged or closed: change the one it became."))
    clean = _check_profile(profile, household.organisation_id)
    changed = [name for name, value in clean.items() if getattr(household, name) != value]
    if not changed:
        return household
    if "shelter" in changed and is_placed(household):
        raise Conflict(
            _("This household is placed in a shelter: check it out or move it there."),
            code="placed_in_shelter",
        )
    with transaction.atomic():
        counted = None
        if set(changed) & set(COMPOSITION_FIELDS):
            # The composition as stored, under a lock: the sums kept over compositions move
            # from exactly this (another desk may have corrected it a moment ago).
            counted = (
                Household.objects.select_for_update()
                .filter(pk=household.pk)
                .values("status", *COMPOSITION_FIELDS)
                .get()
            )
        for name in changed:
            setattr(household, name, clean[name])
        household.last_activity_at = timezone.now()
        household.save(update_fields=[*changed, "last_activity_at"])
        if "shelter" in changed and household.shelter is not None:
            place_in_shelter(household=household, shelter=household.shelter, by=by)
        if counted is not None and counted.pop("status") == Household.Status.ACTIVE:
            after = {**counted, **{n: clean[n] for n in changed if n in COMPOSITION_FIELDS}}
            _compositions_changed([(household.organisation_id, counted, after)])
        _audit(by=by, household=household, action=AuditEntry.Action.UPDATE, fields=changed)
    return household


def record_activity(*, household_ids: Collection[int], at: dt.datetime | None = None) -> None:
    """Mark households as active (served, visited): retention counts from the last activity."""
    ids = sorted(household_ids)
    if not ids:
        return
    # A hand-written UPDATE: a hand-out's every posting runs it, and the ORM's compilation of
    # it cost more than the statement.
    among, params = rows.one_of("id", ids)
    at = connection.ops.adapt_datetimefield_value(at or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {rows.table(Household)} SET last_activity_at = %s WHERE {among}", [at, *params]
        )


def merge_households(*, keep: Household, merge: Household, by) -> Household:
    """Fold a duplicate into the household that stays; the duplicate keeps its history and
    points to the one it became. Personal data moves only if the kept household has none;
    otherwise the duplicate keeps its own, sealed, so that `unmerge_household` can restore it
    (retention erases it in time)."""
    _require(by, keep.organisation_id, Action.MERGE_HOUSEHOLDS)
    if keep.pk == merge.pk:
        raise InvalidInput(_("A household cannot be merged into itself."), code="same_household")
    if keep.organisation_id != merge.organisation_id:
        raise InvalidInput(_("Unknown household."), code="unknown_household")
    with transaction.atomic():
        keep = Household.objects.select_for_update().get(pk=keep.pk)
        merge = Household.objects.select_for_update().get(pk=merge.pk)
        if keep.status != Household.Status.ACTIVE or merge.status != Household.Status.ACTIVE:
            raise Conflict(
                _("Only two active households can be merged."), code="household_not_active"
            )
        moved: list[str] = []
        if has_personal_data(merge) and not has_personal_data(keep):
            moved = _move_personal(merge, keep)
        else:
            matching.unfile_household(household_id=merge.pk)
        repointed = list(Household.objects.filter(merged_into=merge).values_list("pk", flat=True))
        Household.objects.filter(pk__in=repointed).update(merged_into=keep)
        MergeRecord.objects.create(
            kept=keep, merged=merge, moved_personal=bool(moved), repointed=repointed, by=by
        )
        merge.status = Household.Status.MERGED
        merge.merged_into = keep
        merge.save(update_fields=["status", "merged_into"])
        _compositions_changed([(merge.organisation_id, merge.composition, None)])
        keep.last_activity_at = max(keep.last_activity_at, merge.last_activity_at)
        keep.save(update_fields=["last_activity_at"])
        _audit(
            by=by, household=keep, action=AuditEntry.Action.MERGE, fields=moved,
            note=f"{merge.code} merged into this",
        )  # fmt: skip
        _audit(
            by=by, household=merge, action=AuditEntry.Action.MERGE, fields=moved,
            note=f"merged into {keep.code}",
        )  # fmt: skip
    return keep


def _move_personal(source: Household, target: Household) -> list[str]:
    record = PersonalData.objects.get(household=source)
    held = [name for name in PERSONAL_FIELDS if getattr(record, f"{name}_sealed")]
    values = {f.attname: getattr(record, f.attname) for f in PersonalData._meta.concrete_fields}
    values["household_id"] = target.pk
    record.delete()
    PersonalData.objects.create(**values)
    NameToken.objects.filter(household=source).update(household=target)
    matching.move_filing(source_id=source.pk, target_id=target.pk)
    return held


def lineage_ids(household: Household) -> list[int]:
    """The household and those merged into it: their history is its history.

    A merge points the households merged earlier at the survivor, so one query usually finds
    them all; chains left by older data are followed too (one more query per level).
    """
    ids, frontier = [household.pk], [household.pk]
    table = connection.ops.quote_name(Household._meta.db_table)
    while frontier:  # hand-written: every hand-out asks, and the ORM's compilation cost more
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {table} WHERE merged_into_id IN "
                f"({', '.join('%s' for _ in frontier)}) ORDER BY id",
                frontier,
            )
            frontier = [pk for (pk,) in cursor.fetchall() if pk not in ids]
        ids.extend(frontier)
    return ids


# ---------------------------------------------------------------- finding


def find_by_code(*, organisation_ids: Collection[int], code: str) -> Household | None:
    """The household with this code among these organisations, following merges."""
    household = (
        Household.objects.of_organisations(organisation_ids)
        .filter(code=household_codes.normalise(code))
        .select_related("merged_into")
        .first()
    )
    if household is not None and household.merged_into_id:
        return household.merged_into
    return household


def find_by_phone(*, organisation_ids: Collection[int], phone: str) -> list[Household]:
    digest = phone_digest(phone)
    if not digest:
        return []
    return list(
        Household.objects.of_organisations(organisation_ids)
        .active()
        .filter(personal__phone_digest=digest)
    )


def find_by_document(*, organisation_ids: Collection[int], document: str) -> list[Household]:
    digest = document_digest(document)
    if not digest:
        return []
    return list(
        Household.objects.of_organisations(organisation_ids)
        .active()
        .filter(personal__document_digest=digest)
    )


def look_up(*, by, phone: str = "", document: str = "") -> list[Household]:
    """Active households with exactly this phone or identity document number, in the member's
    organisations where they may see personal data; found by keyed digest, nothing is opened.

    Every lookup is audited: an entry per household found (or per organisation searched, when
    none is) names the field looked up and never the value typed.
    """
    phone, document = (phone or "").strip(), (document or "").strip()
    if bool(phone) == bool(document):
        raise InvalidInput(_("Type a phone or a document number."), field="value")
    organisation_ids = [
        org for org in organisations_for(by) if may(by, org, Action.VIEW_PERSONAL_DATA)
    ]
    if not organisation_ids:
        raise PermissionDenied
    if phone:
        if len(normalise_phone(phone)) < 6:
            raise InvalidInput(_("This phone number is too short."), field="value")
        found = find_by_phone(organisation_ids=organisation_ids, phone=phone)
        field_name = "phone"
    else:
        if not normalise_document(document):
            raise InvalidInput(_("Enter the document number's letters and digits."), field="value")
        found = find_by_document(organisation_ids=organisation_ids, document=document)
        field_name = "document"
    found.sort(key=lambda household: household.code)
    targets = [(h.organisation_id, h.pk) for h in found] or [(o, None) for o in organisation_ids]
    with transaction.atomic():
        record_households(
            by=by,
            action=AuditEntry.Action.VIEW,
            targets=[(org, household_id, [field_name]) for org, household_id in targets],
            note=f"lookup by {field_name}",
        )
    return found


def _registration(household: Household) -> matching.Registration:
    """What the matcher compares in plain besides the digests: composition, point, time."""
    return matching.Registration(
        composition=household.composition,
        point_id=household.registered_point_id,
        at=household.registered_at,
    )


def similar_composition(a: Mapping[str, int], b: Mapping[str, int]) -> bool:
    """At most two people differ (a birth, someone who left, a band typed one off)."""
    return sum(abs(a.get(n, 0) - b.get(n, 0)) for n in COMPOSITION_FIELDS) <= 2


def probable_duplicates(
    *,
    organisation: Organisation,
    composition: Mapping[str, int],
    phone: str = "",
    document: str = "",
    collector_name: str = "",
    identity: matching.Identity | None = None,
    point: Point | None = None,
    exclude: Household | None = None,
    limit: int = 10,
) -> list[Candidate]:
    """Active households of the organisation that are probably this one: the same phone or
    document (by keyed digest), or scored above the warning threshold by the matcher on the
    digests of names, birth date, sex, phone and members and on the plain composition, point
    and day of registration (kamavor.matching: a composition that differs by a member weighs
    as its level was estimated, since families change). Nothing personal is opened."""
    households = Household.objects.of_organisations([organisation.pk]).active()
    if exclude is not None:
        households = households.exclude(pk=exclude.pk)
    found: dict[int, Candidate] = {}

    def add(queryset, reason: str) -> None:
        for household in queryset[:limit]:
            found.setdefault(household.pk, Candidate(household)).reasons.append(reason)

    if digest := phone_digest(phone):
        add(households.filter(personal__phone_digest=digest), "phone")
    if digest := document_digest(document):
        add(households.filter(personal__document_digest=digest), "document")
    if identity is None:
        identity = Personal(collector_name=collector_name, phone=phone, document=document).identity
    matches = [
        m
        for m in matching.check(
            organisation_id=organisation.pk,
            identity=identity,
            registration=matching.Registration(
                composition=composition,
                point_id=point.pk if point is not None else None,
                at=timezone.now(),
            ),
            exclude_id=exclude.pk if exclude is not None else None,
            limit=limit,
        )
        if m.probable
    ]
    if matches:
        by_id = households.in_bulk([m.household_id for m in matches])
        for m in matches:
            if m.household_id in by_id:
                candidate = found.setdefault(m.household_id, Candidate(by_id[m.household_id]))
                candidate.evidence = m.evidence_labels
                candidate.score = m.score
                candidate.identity_agrees = any(
                    code not in ("phone", "document") and code not in matching.HOUSEHOLD_EVIDENCE
                    for code in m.evidence
                )
    return list(found.values())[:limit]


def duplicates_at_registration(
    *,
    by,
    organisation: Organisation,
    composition: Mapping[str, int],
    phone: str = "",
    document: str = "",
    collector_name: str = "",
    identity: matching.Identity | None = None,
    point: Point | None = None,
) -> list[Candidate]:
    """The probable duplicates shown before registering, audited: a warning tells whoever
    registers that a phone or document is known, so every household it names gets an entry
    (who, when, which fields matched) that administrators can read."""
    candidates = probable_duplicates(
        organisation=organisation,
        composition=composition,
        phone=phone,
        document=document,
        collector_name=collector_name,
        identity=identity,
        point=point,
    )
    for candidate in candidates:
        _audit(
            by=by,
            household=candidate.household,
            action=AuditEntry.Action.VIEW,
            fields=candidate.reasons + (["identity"] if candidate.identity_agrees else []),
            note="duplicate warning at registration",
        )
    return candidates


# ---------------------------------------------------------------- retention and keys


def erase_inactive(*, days: int, now: dt.datetime | None = None) -> int:
    """Erase the personal fields of households inactive for `days` days; the pseudonymous
    households and their history stay. Returns how many were erased (registered with privacy's
    retention in HouseholdsConfig.ready)."""
    if days < 1:
        raise InvalidInput(_("Keep personal data at least one day."), field="days")
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    ids = list(
        Household.objects.filter(last_activity_at__lt=cutoff, personal__isnull=False).values_list(
            "pk", flat=True
        )
    )
    erased = 0
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        with transaction.atomic():
            records = list(
                PersonalData.objects.filter(household_id__in=batch).select_related("household")
            )
            record_households(
                by=None,
                action=AuditEntry.Action.ERASE,
                targets=[
                    (
                        r.household.organisation_id,
                        r.household_id,
                        [n for n in PERSONAL_FIELDS if getattr(r, f"{n}_sealed")],
                    )
                    for r in records
                ],
                note=f"retention: inactive for {days} days",
            )
            NameToken.objects.filter(household_id__in=batch).delete()
            matching.unfile_households(household_ids=batch)
            PersonalData.objects.filter(household_id__in=batch).delete()
            erased += len(records)
    return erased


def rotate_encryption_keys() -> int:
    """Re-seal every personal record with the first key and recompute its digests (put the new
    key first in KAMAVOR_ENCRYPTION_KEY, run this, then drop the old key). Returns the count."""
    v = vault()
    count = 0
    ids = list(PersonalData.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        with transaction.atomic():
            records = PersonalData.objects.filter(pk__in=ids[start : start + 500])
            for record in records.select_related("household"):
                sealed = [f"{name}_sealed" for name in PERSONAL_FIELDS]
                for attname in sealed:
                    setattr(record, attname, v.reseal(getattr(record, attname)))
                plain = Personal(
                    **{n: v.open(getattr(record, f"{n}_sealed")) for n in PERSONAL_FIELDS}
                )
                record.phone_digest = phone_digest(plain.phone, v)
                record.document_digest = document_digest(plain.document, v)
                record.save(update_fields=[*sealed, "phone_digest", "document_digest"])
                household = record.household
                _write_name_tokens(household, plain.collector_name, v)
                matching.file_household(
                    household_id=household.pk,
                    organisation_id=household.organisation_id,
                    identity=plain.identity,
                    v=v,
                )
                count += 1
    return count


# ---------------------------------------------------------------- many at once (imports)


def check_registration(
    *, organisation: Organisation, profile: Profile, personal: Personal | None
) -> tuple[dict, Personal | None]:
    """What `register_household` checks, without writing: the clean profile and personal data,
    or the same InvalidInput it would raise. For a spreadsheet's dry run, row by row."""
    clean = _check_profile(profile, organisation.pk)
    if personal is not None and personal.empty:
        personal = None
    return clean, (_check_personal(personal) if personal is not None else None)


def register_households(
    *, organisation: Organisation, checked: Sequence[tuple[dict, Personal | None]], by
) -> list[Household]:
    """Register many households at once (a spreadsheet import): each as `register_household`
    would, from what `check_registration` returned, in one transaction and a few statements
    (bulk inserts), personal fields sealed and every creation audited."""
    _require(by, organisation.pk, Action.REGISTER_HOUSEHOLD)
    if not checked:
        return []
    v = vault()
    now = timezone.now()
    with transaction.atomic():
        codes: set[str] = set()
        while len(codes) < len(checked):
            wanted = {household_codes.new_code() for _ in range(len(checked) - len(codes))}
            taken = set(Household.objects.filter(code__in=wanted).values_list("code", flat=True))
            codes |= wanted - taken
        households = [
            Household(
                organisation=organisation,
                registered_by=by,
                registered_at=now,
                last_activity_at=now,
                code=code,
                **clean,
            )
            for code, (clean, _personal) in zip(sorted(codes), checked, strict=True)
        ]
        Household.objects.bulk_create(households, batch_size=500)
        if not households[0].pk:  # a backend that returns no ids (never PostgreSQL or SQLite)
            by_code = dict(
                Household.objects.filter(code__in=codes).values_list("code", "pk")
            )  # fmt: skip
            for household in households:
                household.pk = by_code[household.code]
        records, tokens, audits, filed = [], [], [], []
        for household, (_clean, personal) in zip(households, checked, strict=True):
            if personal is None:
                continue
            filed.append((household.pk, organisation.pk, personal.identity))
            records.append(
                PersonalData(
                    household=household,
                    **{f"{n}_sealed": v.seal(getattr(personal, n)) for n in PERSONAL_FIELDS},
                    phone_digest=phone_digest(personal.phone, v),
                    document_digest=document_digest(personal.document, v),
                    basis=personal.basis,
                    notice_language=personal.notice_language,
                    notice_given_at=now,
                    consent_at=now if personal.basis == PersonalData.Basis.CONSENT else None,
                    updated_at=now,
                )
            )
            tokens.extend(
                NameToken(household=household, digest=d)
                for d in name_digests(personal.collector_name, v)
            )
            audits.append((organisation.pk, household.pk, personal.present()))
        PersonalData.objects.bulk_create(records, batch_size=500)
        NameToken.objects.bulk_create(tokens, batch_size=1000)
        matching.file_households(entries=filed, v=v)
        record_households(by=by, action=AuditEntry.Action.CREATE, targets=audits, note="import")
        for household in households:
            if household.shelter is not None:
                place_in_shelter(household=household, shelter=household.shelter, by=by)
        _compositions_changed([(organisation.pk, None, h.composition) for h in households])
    return households
