"""Households registered in bulk (a spreadsheet import) are filed in the matching index like
single registrations, digests only, so they are matched at registration and by the re-check."""

from django.core.management import call_command

from kamavor.exchange.imports import check_import, post_import
from kamavor.households.models import Household
from kamavor.households.services import Personal, probable_duplicates
from kamavor.matching.models import IndexKey, Pair, Profile
from tests.exchange.test_imports import households_xlsx


def _import(w, rows):
    record, report = check_import(
        organisation=w.org, kind="households", data=households_xlsx(rows), filename="f.xlsx",
        by=w.coordinator,
    )  # fmt: skip
    assert report.ok
    post_import(record=record, by=w.coordinator)


def test_imported_households_are_filed_and_matched(w):
    _import(
        w,
        [
            [2, 0, None, "Anahit Zohrabyan", "+374 91 234567", "consent", "yes"],
            [1, 1, None, "Анаит Зограбян", "091-23-45-67", "consent", "yes"],
            [1, 2, None, None, None, None, None],  # nothing personal: nothing to file
        ],
    )
    imported = list(Household.objects.order_by("pk"))
    filed = set(Profile.objects.values_list("household_id", flat=True))
    assert filed == {imported[0].pk, imported[1].pk}
    assert set(IndexKey.objects.values_list("household_id", flat=True)) == filed
    keys = " ".join(IndexKey.objects.values_list("key", flat=True))
    profiles = str(list(Profile.objects.values_list("keys", flat=True)))
    for plain in ("anahit", "zohrab", "Анаит", "234567", "91234567"):
        assert plain not in keys.lower() and plain not in profiles.lower()
    # A registration at the desk of the same woman is warned of both imported households.
    found = probable_duplicates(
        organisation=w.org,
        composition={},
        identity=Personal(given_name="Անահիտ", family_name="Զոհրաբյան",
                          phone="+37491234567").identity,
    )  # fmt: skip
    assert {c.household.pk for c in found} == {imported[0].pk, imported[1].pk}
    # The re-check after the import queues the pair the file holds.
    call_command("recheck_households")
    pair = Pair.objects.get()
    assert (pair.first_id, pair.second_id) == (imported[0].pk, imported[1].pk)
