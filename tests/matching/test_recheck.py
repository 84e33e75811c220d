"""The batch re-check queues pairs found on digests only; digests change with the key."""

from django.core.management import call_command
from django.test import override_settings

from kamavor.households.services import Personal
from kamavor.matching.models import IndexKey, Pair, Profile
from tests.factories import make_household

ANNA = Personal(given_name="Աննա", family_name="Զոհրաբյան", birth_date="1970-02-03",
                phone="091 555 111", consent=True)  # fmt: skip
ANNA_RU = Personal(given_name="Анна", family_name="Зограбян", birth_date="3.2.1970",
                   consent=True)  # fmt: skip


def test_registering_again_queues_the_pair_and_the_recheck_finds_it(w):
    first = make_household(w, personal=ANNA)
    second = make_household(w, personal=ANNA_RU)
    pair = Pair.objects.get()
    assert {pair.first_id, pair.second_id} == {first.pk, second.pk}
    Pair.objects.all().delete()
    call_command("recheck_households")
    assert Pair.objects.get().first_id == min(first.pk, second.pk)


def test_digests_hold_no_plain_value_and_change_with_the_key(w):
    with override_settings(ENCRYPTION_KEY="key-one"):
        household = make_household(w, personal=ANNA)
        before = set(IndexKey.objects.values_list("key", flat=True))
        profile = str(Profile.objects.get(household=household).keys)
    for plain in ("Աննա", "Զոհրաբյան", "anna", "zohrab", "1970", "91555111", "555"):
        assert all(plain not in key for key in before) and plain not in profile
    with override_settings(ENCRYPTION_KEY="key-two,key-one"):
        call_command("rotate_encryption_keys")
        after = set(IndexKey.objects.values_list("key", flat=True))
    assert after and not before & after


def test_the_recheck_in_two_processes_finds_what_one_finds(w):
    from kamavor.matching.services import recheck

    for given, family, given_ru, family_ru, phone in [
        ("Աննա", "Զոհրաբյան", "Анна", "Зограбян", "091 555 111"),
        ("Արամ", "Մելիքյան", "Арам", "Меликян", "091 555 222"),
        ("Լուսինե", "Ղազարյան", "Лусине", "Казарян", "091 555 333"),
        ("Գոռ", "Բաբայան", "Гор", "Бабаян", "091 555 444"),
        ("Նարեկ", "Սիմոնյան", "Нарек", "Симонян", "091 555 555"),
    ]:
        for g, f in ((given, family), (given_ru, family_ru)):
            make_household(w, personal=Personal(given_name=g, family_name=f, phone=phone,
                                                birth_date="1980", consent=True))  # fmt: skip
    Pair.objects.all().delete()
    assert recheck(workers=2) == (5, 5)
    two = set(Pair.objects.values_list("first_id", "second_id", "score"))
    Pair.objects.all().delete()
    assert recheck(workers=1) == (5, 5)
    assert set(Pair.objects.values_list("first_id", "second_id", "score")) == two


def test_a_bulk_registration_seals_every_field_it_files_so_a_key_rotation_keeps_them(w):
    from kamavor.households.services import Profile as HouseholdProfile
    from kamavor.households.services import (
        check_registration,
        personal_data_for,
        register_households,
    )

    with override_settings(ENCRYPTION_KEY="key-one"):
        checked = [
            check_registration(
                organisation=w.org, profile=HouseholdProfile({"female_18_59": 1}), personal=ANNA
            )
        ]
        [household] = register_households(organisation=w.org, checked=checked, by=w.coordinator)
        opened = personal_data_for(w.coordinator, household)
        assert (opened["given_name"], opened["family_name"]) == ("Աննա", "Զոհրաբյան")
        assert opened["birth_date"] == "1970-02-03"
        before = Profile.objects.get(household=household).keys
    with override_settings(ENCRYPTION_KEY="key-two,key-one"):
        call_command("rotate_encryption_keys")
        after = Profile.objects.get(household=household).keys
    assert set(after) == set(before)  # the same kinds of keys, re-made under the new key


def test_the_recheck_of_one_organisation_leaves_the_others_alone(w):
    from kamavor.matching.services import recheck

    ours = {make_household(w, personal=ANNA).pk, make_household(w, personal=ANNA_RU).pk}
    make_household(w, personal=ANNA, org=w.other_org)
    make_household(w, personal=ANNA_RU, org=w.other_org)
    Pair.objects.all().delete()
    assert recheck(organisation_ids=[]) == (0, 0)
    assert recheck(organisation_ids=[w.org.pk]) == (1, 1)
    assert {Pair.objects.get().first_id, Pair.objects.get().second_id} == ours
    assert recheck() == (2, 1)  # the other organisation's pair; ours was queued already


def test_the_recheck_queues_two_registrations_linked_through_a_third(w):
    from kamavor.matching.services import Identity, check

    # The same woman three times: the second shares the first's birth date, the third only
    # the second's new phone; the first and the third have little but the names in common.
    first = make_household(w, personal=ANNA, female_18_59=1)
    second = make_household(w, personal=Personal(given_name="Anna", family_name="Zohrabyan",
                                                 birth_date="3.2.1970", phone="093 777 888",
                                                 consent=True), female_18_59=1)  # fmt: skip
    third = make_household(w, personal=Personal(given_name="Анна", family_name="Зограбян",
                                                phone="093 777 888", consent=True),
                           female_18_59=1, male_0_2=1)  # fmt: skip
    direct = check(organisation_id=w.org.pk, identity=Identity(given="Анна", family="Зограбян",
                                                               phone="093 777 888"))  # fmt: skip
    assert first.pk not in {m.household_id for m in direct}  # too little in common alone
    Pair.objects.all().delete()
    call_command("recheck_households")
    pairs = {(p.first_id, p.second_id): p for p in Pair.objects.all()}
    linked = pairs[(first.pk, third.pk)]
    assert "linked" in linked.evidence
    # Scored by its weaker link less 2 bits, then averaged with its neighbours (the first and
    # the third each strongly match the second): never above the better of its two links.
    assert linked.score < max(pairs[(first.pk, second.pk)].score,
                              pairs[(second.pk, third.pk)].score)  # fmt: skip
