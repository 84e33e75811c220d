"""The review queue of probable duplicates: who sees it, what it says, merge, dismiss, unmerge."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.households import merging, services
from kamavor.households.models import Household, MergeRecord, PersonalData
from kamavor.households.services import Personal
from kamavor.matching import services as matching
from kamavor.matching.models import Pair, Profile
from kamavor.privacy.models import AuditEntry
from tests.factories import desk, make_household, text

HIDDEN, REFUSED = 404, 403
ANNA = Personal(given_name="Աննա", family_name="Զոհրաբյան", birth_date="1970-02-03",
                phone="091 555 111", consent=True)  # fmt: skip
ANNA_RU = Personal(given_name="Анна", family_name="Зограбян", birth_date="3.2.1970",
                   consent=True)  # fmt: skip


@pytest.fixture
def pair(w):
    make_household(w, personal=ANNA)
    make_household(w, personal=ANNA_RU)
    return Pair.objects.get()


def test_it_shows_the_pair_with_evidence_in_words_and_audits_the_look(w, pair):
    page = text(desk(w.coordinator).get(reverse("households:review")))
    assert pair.first.display_code in page and pair.second.display_code in page
    assert "names agree" in page and "birth date agrees" in page
    for secret in ("Աննա", "Анна", "Zohrab", "555", "1970"):
        assert secret not in page
    looks = AuditEntry.objects.filter(user=w.coordinator, note="review queue")
    assert {e.household_id for e in looks} == {pair.first_id, pair.second_id}


def test_it_refuses_volunteers_and_shows_outsiders_nothing_of_ours(w, pair):
    assert desk(w.volunteer).get(reverse("households:review")).status_code == REFUSED
    page = text(desk(w.outsider).get(reverse("households:review")))
    assert pair.first.display_code not in page
    url = reverse("households:review_decide", args=[pair.pk])
    assert desk(w.outsider).post(url, {"decision": "dismiss"}).status_code == HIDDEN
    assert desk(w.volunteer).post(url, {"decision": "dismiss"}).status_code == REFUSED
    assert Pair.objects.get().status == "open"


def test_merge_from_the_queue_keeps_the_one_chosen(w, pair):
    url = reverse("households:review_decide", args=[pair.pk])
    response = desk(w.coordinator).post(url, {"decision": "keep_second"})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == "merged" and pair.decided_by == w.coordinator
    first = Household.objects.get(pk=pair.first_id)
    assert first.status == "merged" and first.merged_into_id == pair.second_id
    page = text(desk(w.coordinator).get(reverse("households:review")))
    assert first.display_code not in page


def test_dismiss_marks_them_not_the_same(w, pair):
    url = reverse("households:review_decide", args=[pair.pk])
    desk(w.coordinator).post(url, {"decision": "dismiss"})
    pair.refresh_from_db()
    assert pair.status == "dismissed"
    assert not Household.objects.filter(status="merged").exists()


def test_unmerge_page_action_restores_the_household(w, pair):
    merging.merge_pair(pair=pair, keep_id=pair.first_id, by=w.coordinator)
    second = Household.objects.get(pk=pair.second_id)
    desk(w.coordinator).post(reverse("households:unmerge", args=[second.code]))
    second.refresh_from_db()
    assert second.status == "active" and second.merged_into is None
    pair.refresh_from_db()
    assert pair.status == "dismissed"
    assert Profile.objects.filter(household=second).exists()  # filed again for matching


def _snapshot(household_ids):
    rows = {}
    for h in Household.objects.filter(pk__in=household_ids).order_by("pk"):
        personal = PersonalData.objects.filter(household=h).first()
        rows[h.pk] = (
            h.status,
            h.merged_into_id,
            h.composition,
            personal.phone_digest if personal else None,
            Profile.objects.filter(household=h).exists(),
            set(AuditEntry.objects.filter(household=h).values_list("pk", flat=True)),
        )
    return rows


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    keep_personal=st.booleans(),
    merge_personal=st.booleans(),
    earlier=st.integers(0, 2),
    sizes=st.tuples(st.integers(1, 4), st.integers(1, 4)),
)
def test_merge_then_unmerge_restores_both_households_and_their_history(
    w, keep_personal, merge_personal, earlier, sizes
):
    keep = make_household(w, personal=ANNA if keep_personal else None, female_18_59=sizes[0])
    merge = make_household(w, personal=ANNA_RU if merge_personal else None, male_60=sizes[1])
    older = [make_household(w) for _ in range(earlier)]
    for o in older:
        services.merge_households(keep=merge, merge=o, by=w.coordinator)
    ids = [keep.pk, merge.pk, *(o.pk for o in older)]
    before = _snapshot(ids)
    services.merge_households(keep=keep, merge=merge, by=w.coordinator)
    merging.unmerge_household(household=merge, by=w.coordinator)
    after = _snapshot(ids)
    for pk, (status, into, composition, phone, filed, audit) in before.items():
        assert after[pk][:5] == (status, into, composition, phone, filed)
        assert audit <= after[pk][5]  # history kept; the merge and its undoing added
    assert MergeRecord.objects.filter(merged=merge, undone_at__isnull=False).exists()


def test_the_registration_check_costs_two_queries_however_many_households(
    w, django_assert_num_queries
):
    for _ in range(3):
        make_household(w, personal=ANNA)
    identity = ANNA_RU.identity
    matching.check(organisation_id=w.org.pk, identity=identity)  # the filed count, cached
    with django_assert_num_queries(2):
        found = matching.check(organisation_id=w.org.pk, identity=identity)
    assert len(found) == 3 and all(m.probable for m in found)


def test_the_household_page_lists_its_probable_duplicates_for_coordinators_only(w, pair):
    url = reverse("households:detail", args=[pair.first.code])
    page = text(desk(w.coordinator).get(url))
    assert "Probable duplicates" in page and pair.second.display_code in page
    assert "birth date agrees" in page
    noted = AuditEntry.objects.filter(note="probable duplicates on the household page")
    assert {e.household_id for e in noted} == {pair.first_id, pair.second_id}
    page = text(desk(w.volunteer).get(url))
    assert "Probable duplicates" not in page and pair.second.display_code not in page
