"""Registration, personal data, duplicates, merges, retention and key rotation, via services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from kamavor.core.errors import IdempotencyKeyReused, InvalidInput
from kamavor.households import services
from kamavor.households.models import Household, NameToken, PersonalData
from kamavor.households.services import Personal, Profile
from kamavor.lib import household_codes
from kamavor.network.models import Point
from kamavor.privacy.models import AuditEntry
from tests.factories import make_household, make_point

ANAHIT = Personal(
    collector_name="Անահիտ Պետրոսյան",
    phone="+374 91 234 567",
    document="AN 1234567",
    given_name="Անահիտ",
    family_name="Պետրոսյան",
    birth_date="14.03.1985",
    sex="female",
    consent=True,
)
FAMILY = {"female_18_59": 1, "male_18_59": 1, "female_3_5": 1}


def test_it_registers_with_a_valid_random_code(w):
    household = make_household(w, by=w.volunteer)
    assert household_codes.is_valid(household.code)
    assert household.size == 3 and household.registered_by == w.volunteer
    assert not AuditEntry.objects.filter(household=household).exists()


def test_it_seals_personal_data_and_audits_the_recording(w):
    household = make_household(w, personal=ANAHIT)
    record = PersonalData.objects.get(household=household)
    assert "Պետրոսյան" not in record.collector_name_sealed
    assert "234" not in record.phone_sealed and record.phone_digest
    entry = AuditEntry.objects.get(household=household)
    assert entry.action == "create" and entry.fields == [
        "collector_name", "given_name", "family_name", "birth_date", "sex", "phone", "document"
    ]  # fmt: skip
    assert NameToken.objects.filter(household=household).count() == 2


def test_it_refuses_personal_data_without_consent_when_consent_is_the_basis(w):
    with pytest.raises(InvalidInput) as error:
        make_household(w, personal=Personal(phone="091234567"))
    assert error.value.code == "consent_missing"
    vital = Personal(phone="091234567", basis=PersonalData.Basis.VITAL_INTEREST)
    household = make_household(w, personal=vital)
    assert PersonalData.objects.get(household=household).consent_at is None


def test_it_refuses_an_empty_household_and_a_stranger(w):
    with pytest.raises(InvalidInput):
        make_household(w, female_18_59=0)
    with pytest.raises(PermissionDenied):
        make_household(w, by=w.partner)
    with pytest.raises(PermissionDenied):
        make_household(w, by=w.outsider)


def test_it_refuses_another_organisations_shelter(w):
    shelter = make_point(w.other_org, "Goris dormitory", Point.Kind.SHELTER)
    with pytest.raises(InvalidInput) as error:
        services.register_household(
            organisation=w.org, profile=Profile(FAMILY, shelter=shelter), by=w.coordinator
        )
    assert error.value.code == "unknown_shelter"


def test_a_retried_registration_registers_once(w):
    def register(**composition):
        return services.register_household(
            organisation=w.org,
            profile=Profile(composition),
            personal=ANAHIT,
            by=w.volunteer,
            idempotency_key="tablet-7/42",
        )

    first = register(**FAMILY)
    assert register(**FAMILY) == first
    assert Household.objects.filter(registered_by=w.volunteer).count() == 1
    with pytest.raises(IdempotencyKeyReused):
        register(female_60=1)


def test_a_code_collision_is_retried(w, monkeypatch):
    taken = make_household(w).code
    fresh = iter([taken, household_codes.new_code()])
    monkeypatch.setattr(household_codes, "new_code", lambda: next(fresh))
    assert make_household(w).code != taken


def test_personal_data_for_a_coordinator_is_audited(w):
    household = make_household(w, personal=ANAHIT)
    data = services.personal_data_for(w.coordinator, household)
    assert data["collector_name"] == "Անահիտ Պետրոսյան" and data["phone"] == "+374 91 234 567"
    entry = AuditEntry.objects.filter(household=household, action="view").get()
    assert entry.user == w.coordinator and entry.fields == [
        "collector_name", "given_name", "family_name", "birth_date", "sex", "phone", "document"
    ]  # fmt: skip


@pytest.mark.parametrize("persona", ["volunteer", "partner", "outsider"])
def test_personal_data_is_refused_to_other_roles(w, persona):
    household = make_household(w, personal=ANAHIT)
    with pytest.raises(PermissionDenied):
        services.personal_data_for(getattr(w, persona), household)
    assert not AuditEntry.objects.filter(household=household, action="view").exists()


def test_find_by_phone_and_document_fold_their_spellings(w):
    household = make_household(w, personal=ANAHIT)
    orgs = [w.org.pk]
    for phone in ("091234567", "+37491234567", "00374 91 23 45 67", "91-234-567"):
        assert services.find_by_phone(organisation_ids=orgs, phone=phone) == [household]
    assert services.find_by_phone(organisation_ids=[w.other_org.pk], phone="091234567") == []
    assert services.find_by_document(organisation_ids=orgs, document="an1234567") == [household]


def _identity(given, family, birth_date=""):
    return Personal(given_name=given, family_name=family, birth_date=birth_date).identity


@pytest.mark.parametrize(
    ("given", "family"),
    [("Anahit", "Petrosyan"), ("Анаит", "Петросян"), ("ANAHID", "BEDROSSIAN"),
     ("Anahit", "Petrosyn")],
)  # fmt: skip
def test_a_name_in_another_script_with_its_birth_date_is_a_probable_duplicate(w, given, family):
    household = make_household(w, personal=ANAHIT, **FAMILY)
    candidates = services.probable_duplicates(
        organisation=w.org,
        composition={**FAMILY, "male_0_2": 1},
        identity=_identity(given, family, "1985-03-14"),
    )
    assert [(c.household, c.reasons) for c in candidates] == [(household, [])]
    assert "birth date agrees" in candidates[0].evidence


def test_a_name_alone_is_not_a_probable_duplicate(w):
    make_household(w, personal=ANAHIT, **FAMILY)
    candidates = services.probable_duplicates(
        organisation=w.org, composition=FAMILY, collector_name="Anahit Petrosyan"
    )
    assert candidates == []
    other_year = _identity("Anahit", "Petrosyan", "1962")
    assert (
        services.probable_duplicates(organisation=w.org, composition=FAMILY, identity=other_year)
        == []
    )


def test_the_same_phone_is_a_duplicate_whatever_the_composition(w):
    household = make_household(w, personal=ANAHIT)
    candidates = services.probable_duplicates(
        organisation=w.org, composition={"male_60": 1}, phone="091 23 45 67"
    )
    assert [(c.household, c.reasons) for c in candidates] == [(household, ["phone"])]
    other = services.probable_duplicates(
        organisation=w.other_org, composition={"male_60": 1}, phone="091 23 45 67"
    )
    assert other == []


def test_merge_keeps_history_and_moves_personal_data(w):
    keep = make_household(w)
    merge = make_household(w, personal=ANAHIT)
    older = make_household(w)
    services.merge_households(keep=merge, merge=older, by=w.coordinator)
    services.merge_households(keep=keep, merge=merge, by=w.coordinator)
    merge.refresh_from_db()
    older.refresh_from_db()
    assert merge.status == "merged" and merge.merged_into == keep
    assert older.merged_into == keep
    assert PersonalData.objects.filter(household=keep).exists()
    assert not PersonalData.objects.filter(household=merge).exists()
    assert set(services.lineage_ids(keep)) == {keep.pk, merge.pk, older.pk}
    assert services.find_by_code(organisation_ids=[w.org.pk], code=merge.code) == keep
    assert AuditEntry.objects.filter(action="merge", household=merge).exists()
    assert services.find_by_phone(organisation_ids=[w.org.pk], phone="091234567") == [keep]


def test_merge_is_for_coordinators(w):
    a, b = make_household(w), make_household(w)
    with pytest.raises(PermissionDenied):
        services.merge_households(keep=a, merge=b, by=w.volunteer)
    with pytest.raises(InvalidInput):
        services.merge_households(keep=a, merge=a, by=w.coordinator)


def test_erase_on_request_keeps_the_household(w):
    household = make_household(w, personal=ANAHIT)
    services.erase_personal_data(household=household, by=w.coordinator)
    assert Household.objects.filter(pk=household.pk).exists()
    assert not PersonalData.objects.filter(household=household).exists()
    assert not NameToken.objects.filter(household=household).exists()
    entry = AuditEntry.objects.get(household=household, action="erase")
    assert entry.user == w.coordinator and "phone" in entry.fields


def test_the_retention_command_erases_only_inactive_households(w):
    old = make_household(w, personal=ANAHIT)
    recent = make_household(w, personal=Personal(phone="093000000", consent=True))
    Household.objects.filter(pk=old.pk).update(
        last_activity_at=timezone.now() - dt.timedelta(days=400)
    )
    call_command("erase_inactive_personal_data")
    assert not PersonalData.objects.filter(household=old).exists()
    assert PersonalData.objects.filter(household=recent).exists()
    assert Household.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(household=old, action="erase", user=None).exists()
    call_command("erase_inactive_personal_data", "--days", "1")
    assert PersonalData.objects.filter(household=recent).exists()


def test_key_rotation_reseals_and_keeps_lookups_working(w):
    with override_settings(ENCRYPTION_KEY="old-key-1"):
        household = make_household(w, personal=ANAHIT)
        before = PersonalData.objects.get(household=household)
    with override_settings(ENCRYPTION_KEY="new-key-2,old-key-1"):
        call_command("rotate_encryption_keys")
        after = PersonalData.objects.get(household=household)
        assert after.phone_sealed != before.phone_sealed
        assert after.phone_digest != before.phone_digest
    with override_settings(ENCRYPTION_KEY="new-key-2"):
        assert services.personal_data_for(w.coordinator, household)["phone"] == ANAHIT.phone
        found = services.find_by_phone(organisation_ids=[w.org.pk], phone="091234567")
        assert found == [household]
        candidates = services.probable_duplicates(
            organisation=w.org,
            composition=FAMILY,
            identity=_identity("Анаит", "Петросян", "14.03.1985"),
        )
        assert [c.household for c in candidates] == [household]
    with override_settings(ENCRYPTION_KEY="other-key"):
        # The digests changed with the key: under another key nothing is found.
        assert not services.probable_duplicates(
            organisation=w.org,
            composition=FAMILY,
            identity=_identity("Анаит", "Петросян", "14.03.1985"),
        )
