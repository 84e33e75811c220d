"""API endpoints of the households app: register a household, read one by its code.

Personal fields are never returned unless asked for (`?personal=true`), and only to a role that
may see them; each such read is written to the audit log. A registration that probably exists
already is refused with 409 `probable_duplicate` unless `confirm_duplicate` is true; the
candidates are listed only to a coordinator.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Router, Schema, Status
from pydantic import Field, StrictBool

from kamavor.core.bodies import Body
from kamavor.core.errors import Conflict, InvalidInput
from kamavor.core.idempotency import KEY_LIMITS
from kamavor.core.numbers import Id, checked_int
from kamavor.households import services
from kamavor.households.access import get_household_for
from kamavor.households.models import Household, PersonalData
from kamavor.network.access import Action, get_point_for, may
from kamavor.network.api import ERRORS, NO_NUL, one_of
from kamavor.network.models import Point

router = Router(tags=["households"])

Text = Annotated[str, Field(pattern=NO_NUL)]
Basis = one_of(PersonalData.Basis)
IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    pattern=NO_NUL,
    description="Any string of 1 to 200 characters; a retry with the same key and body "
    "returns the first household again and registers nothing.",
)
IDEMPOTENCY_KEY.json_schema_extra.update(KEY_LIMITS)  # stated; check_key enforces it


class In(Body):
    """A request body (strict, validated once: kamavor.core.bodies)."""


# The service refuses a count out of range and says the range, in the user's language.
Count = checked_int(0, services.MAX_PER_BAND)


class Composition(In):
    """People by sex and age band (years): female_0_2 … male_60 (60 and over)."""

    female_0_2: Count = 0
    female_3_5: Count = 0
    female_6_11: Count = 0
    female_12_17: Count = 0
    female_18_59: Count = 0
    female_60: Count = 0
    male_0_2: Count = 0
    male_3_5: Count = 0
    male_6_11: Count = 0
    male_12_17: Count = 0
    male_18_59: Count = 0
    male_60: Count = 0


class PersonalIn(In):
    collector_name: Annotated[str, Field(pattern=NO_NUL, max_length=200)] = ""
    phone: Annotated[str, Field(pattern=NO_NUL, max_length=40)] = ""
    document: Annotated[str, Field(pattern=NO_NUL, max_length=60)] = ""
    given_name: Annotated[str, Field(pattern=NO_NUL, max_length=100)] = ""
    family_name: Annotated[str, Field(pattern=NO_NUL, max_length=100)] = ""
    birth_date: Annotated[str, Field(pattern=NO_NUL, max_length=20)] = Field(
        "", description="Day.month.year, year-month-day, the year only, or empty if not known."
    )
    sex: Literal["", "female", "male"] = ""
    member_names: Annotated[str, Field(pattern=NO_NUL, max_length=400)] = Field(
        "", description="The other members' first names, separated by commas."
    )
    basis: Basis
    notice_language: Annotated[str, Field(pattern=NO_NUL, max_length=5)]
    consent: StrictBool = False


class HouseholdIn(In):
    point: Id = Field(description="The point where the household registers.")
    composition: Composition
    flags: list[Annotated[str, Field(pattern=NO_NUL, max_length=40)]] = Field(
        default_factory=list, max_length=10
    )
    shelter: Id | None = None
    area: Annotated[str, Field(pattern=NO_NUL, max_length=200)] = ""
    languages: list[Annotated[str, Field(pattern=NO_NUL, max_length=5)]] = Field(
        default_factory=list, max_length=10
    )
    notes: Annotated[str, Field(pattern=NO_NUL, max_length=2000)] = ""
    personal: PersonalIn | None = None
    confirm_duplicate: StrictBool = Field(
        False, description="Register even if a probable duplicate exists."
    )


class PersonalOut(Schema):
    collector_name: str
    phone: str
    document: str
    given_name: str = ""
    family_name: str = ""
    birth_date: str = ""
    sex: str = ""
    member_names: str = ""
    basis: str
    notice_language: str
    notice_given_at: dt.datetime
    consent_at: dt.datetime | None


class HouseholdOut(Schema):
    id: int
    code: str
    display_code: str
    organisation: int
    status: str
    merged_into: str | None
    registered_at: dt.datetime
    registered_point: int | None
    shelter: int | None
    area: str
    languages: list[str]
    notes: str
    composition: dict[str, int]
    size: int
    flags: list[str]
    personal: PersonalOut | None = None


def _out(household: Household, personal: dict | None = None) -> dict:
    return {
        "id": household.pk,
        "code": household.code,
        "display_code": household.display_code,
        "organisation": household.organisation_id,
        "status": household.status,
        "merged_into": household.merged_into.code if household.merged_into_id else None,
        "registered_at": household.registered_at,
        "registered_point": household.registered_point_id,
        "shelter": household.shelter_id,
        "area": household.area,
        "languages": household.languages,
        "notes": household.notes,
        "composition": household.composition,
        "size": household.size,
        "flags": household.flags,
        "personal": personal or None,
    }


def _shelter(point: Point, shelter_id: int | None) -> Point | None:
    if shelter_id is None:
        return None
    shelter = Point.objects.filter(
        pk=shelter_id, organisation_id=point.organisation_id, kind=Point.Kind.SHELTER
    ).first()
    if shelter is None:
        raise InvalidInput(_("Unknown shelter."), code="unknown_shelter", field="shelter")
    return shelter


@router.post("/households", response={201: HouseholdOut, **ERRORS})
def create_household(
    request: HttpRequest, body: HouseholdIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Register a household; it gets a fresh random code. Personal data is optional and needs
    its basis (and consent, when consent is the basis). Never echoed back."""
    try:
        point = get_point_for(request.user, body.point, Action.REGISTER_HOUSEHOLD)
    except Http404:
        raise InvalidInput(_("Unknown point."), code="unknown_point", field="point") from None
    profile = services.Profile(
        composition=body.composition.model_dump(),
        flags=body.flags,
        shelter=_shelter(point, body.shelter),
        area=body.area,
        languages=body.languages,
        notes=body.notes,
    )
    personal = services.Personal(**body.personal.model_dump()) if body.personal else None
    if (
        not body.confirm_duplicate
        and personal is not None
        and not personal.empty
        # A retry answers the household it registered, never a warning (read only when a
        # warning is possible: a registration without personal data asks nothing first).
        and services.registered_with(by=request.user, key=key) is None
    ):
        _refuse_duplicates(request.user, point, profile, personal, key)
    household = services.register_household(
        organisation=point.organisation,
        point=point,
        profile=profile,
        personal=personal,
        by=request.user,
        idempotency_key=key,
    )
    return Status(201, _out(household))


class ProbableDuplicate(Conflict):
    code = "probable_duplicate"


def _refuse_duplicates(user, point: Point, profile, personal, key: str | None) -> None:
    candidates = services.duplicates_at_registration(
        by=user,
        organisation=point.organisation,
        composition=profile.composition,
        phone=personal.phone,
        document=personal.document,
        collector_name=personal.collector_name,
        identity=personal.identity,
        point=point,
    )
    if not candidates:
        return
    if services.registered_with(by=user, key=key) is not None:
        # A concurrent retry of this request committed meanwhile (its household is what was
        # found, and its key is committed with it): the service answers that household.
        return
    error = ProbableDuplicate(
        _(
            "This household may be registered already. Check, then send confirm_duplicate: "
            "true to register it anyway."
        )
    )
    if may(user, point.organisation_id, Action.VIEW_PERSONAL_DATA):
        error.message += " " + "; ".join(
            f"{c.household.display_code} ({', '.join(c.reason_labels)})" for c in candidates
        )
    raise error


@router.get("/households/{code}", response={200: HouseholdOut, **ERRORS})
def get_household(request: HttpRequest, code: str, personal: bool = False) -> dict:
    """A household by its code (with or without the hyphen). `personal=true` adds the
    personal fields for a coordinator (403 for other roles); each such read is audited."""
    # One hand-written SELECT (kamavor.core.rows): the ORM's compilation of a select_related
    # was most of this read. Of its relations only the code of the household it was merged
    # into is shown, read by _out for the few merged households.
    household = get_household_for(request.user, code, Action.VIEW_HOUSEHOLD, related=())
    data = None
    if personal:
        if not may(request.user, household.organisation_id, Action.VIEW_PERSONAL_DATA):
            raise PermissionDenied
        data = services.personal_data_for(request.user, household)
    return _out(household, data)
