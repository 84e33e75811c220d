"""The household's composition, point and day of registration are evidence: plain counts and
ids read from the household itself, compared as levels whose weights were estimated from
data, never filed with the digests."""

from kamavor.households.services import Personal, Profile, register_household
from kamavor.lib import linkage
from kamavor.matching.models import Pair
from kamavor.matching.models import Profile as MatchingProfile

FAMILY = {"female_18_59": 1, "male_18_59": 1, "female_6_11": 1, "male_3_5": 1}


def _register(w, personal: Personal, composition: dict, point=None):
    return register_household(
        organisation=w.org,
        point=point or w.point,
        profile=Profile(composition=composition),
        personal=personal,
        by=w.coordinator,
    )


def test_it_files_no_composition_point_or_day_with_the_digests(w):
    household = _register(w, Personal(given_name="Արմեն", family_name="Գրիգորյան",
                                      consent=True), FAMILY)  # fmt: skip
    kinds = set(MatchingProfile.objects.get(household=household).keys)
    assert kinds and not kinds & linkage.PLAIN_KINDS


def test_the_same_names_and_year_with_the_same_household_are_queued_not_with_another(w):
    first = _register(w, Personal(given_name="Արմեն", family_name="Գրիգորյան",
                                  birth_date="1975", consent=True), FAMILY)  # fmt: skip
    again = _register(w, Personal(given_name="Армен", family_name="Григорян",
                                  birth_date="1975", consent=True), FAMILY)  # fmt: skip
    pair = Pair.objects.get()
    assert {pair.first_id, pair.second_id} == {first.pk, again.pk}
    assert {"household", "same_point", "same_week"} <= set(pair.evidence)
    # The same names and year in a household of three grandparents and a child: another family.
    grandparents = {"male_60": 2, "female_60": 1, "female_12_17": 1}
    _register(w, Personal(given_name="Armen", family_name="Grigoryan", birth_date="1975",
                          consent=True), grandparents)  # fmt: skip
    assert Pair.objects.count() == 1


def test_the_check_knows_each_points_share_of_the_registry(w):
    from kamavor.matching import services
    from tests.factories import make_point

    quiet = make_point(w.org, "Quiet")
    for given, point in (("Արմեն", w.point), ("Կարեն", w.point), ("Աննա", quiet)):
        _register(w, Personal(given_name=given, family_name="Գրիգորյան", consent=True),
                  FAMILY, point=point)  # fmt: skip
    services._totals.clear()
    total, points = services._filed(w.org.pk)
    assert total == 3
    assert points == {
        linkage.point_share(str(w.point.pk)): 2 / 3,
        linkage.point_share(str(quiet.pk)): 1 / 3,
    }
