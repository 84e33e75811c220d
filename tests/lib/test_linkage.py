"""Scoring: a birth year one apart is its own level, and names agreeing across spellings are
weighed by how common they are, on digests as on plain keys."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from kamavor.lib import linkage
from kamavor.lib.sealing import Vault


def _digested(**fields) -> linkage.Record:
    v = Vault(["test key"])
    return linkage.digest_record(linkage.person_record(**fields), lambda s: v.digest(s)[:16])


def test_a_birth_year_one_apart_is_near_only_when_no_full_dates_disagree():
    year_only = _digested(given="Anna", birth_date="1970")
    assert linkage.compare(year_only, _digested(given="Анна", birth_date="3.2.1971"))["birth"] == (
        "near"
    )
    assert linkage.compare(year_only, _digested(birth_date="1972"))["birth"] == "differ"
    full = _digested(birth_date="3.2.1970")
    assert linkage.compare(full, _digested(birth_date="3.2.1971"))["birth"] == "daymonth"
    assert linkage.compare(full, _digested(birth_date="5.6.1971"))["birth"] == "differ"
    assert "birth_year_near" in linkage.evidence({"birth": "near"})


def test_a_rare_name_agreeing_across_scripts_weighs_more_than_a_common_one():
    model = linkage.Model(
        m={"family": {"word": 0.5}},
        u={"family": {"word": 0.01}},
        tf={"family.key": 0.02},
    )
    a = _digested(given="Anna", family="Sahakyan Petrosyan")  # one of two words agrees
    b = _digested(given="Анна", family="Саакян")
    (key,) = a["family.key"] & b["family.key"]
    levels = linkage.compare_best(a, b, model, {key: 0.001})
    assert levels["family"].startswith("word@")
    rare = model.weight("family", levels["family"])
    common = model.weight("family", linkage.compare_best(a, b, model, {key: 0.2})["family"])
    flat = model.weight("family", "word")
    assert rare > flat > common
    assert common >= flat - 5  # bounded: one count cannot swing a pair


FAMILY = {"female_18_59": 1, "male_18_59": 1, "male_6_11": 2}


def test_a_household_composition_is_compared_by_how_far_apart_its_counts_are():
    a = _digested(given="Anna", composition=FAMILY)
    level = lambda other: linkage.compare(a, _digested(given="Анна", composition=other))  # noqa: E731
    assert level(FAMILY)["household"] == "exact_4"
    assert level({**FAMILY, "male_6_11": 1, "male_12_17": 1})["household"] == "moved_large"
    assert level({**FAMILY, "male_0_2": 1})["household"] == "one_large"  # a newborn
    assert level({**FAMILY, "male_6_11": 0})["household"] == "near_large"
    assert level({"female_60": 3})["household"] == "differ"
    assert level({})["household"] == linkage.MISSING
    alone = _digested(composition={"female_18_59": 1})
    assert linkage.compare(alone, alone)["household"] == "exact_1"


def test_the_point_and_the_days_between_two_registrations_have_their_levels():
    a = _digested(point=3, day=100.5)
    assert linkage.compare(a, _digested(point=3, day=104))["point"] == "same"
    assert linkage.compare(a, _digested(point=3, day=104))["day"] == "week"
    assert linkage.compare(a, _digested(point=4, day=150))["point"] == "differ"
    assert linkage.compare(a, _digested(point=4, day=150))["day"] == "season"
    assert linkage.compare(a, _digested(day=300))["day"] == "later"
    assert linkage.compare(a, _digested())["day"] == linkage.MISSING
    codes = linkage.evidence({"household": "exact_3", "point": "same", "day": "week"})
    assert codes == ["household", "same_point", "same_week"]


def test_plain_kinds_hold_counts_and_ids_only_and_the_rest_is_digested():
    record = _digested(given="Anna", family="Petrosyan", composition=FAMILY, point=7, day=12.25)
    assert set(record) & linkage.PLAIN_KINDS == {"household", "point", "day"}
    for kind, values in record.items():
        allowed = "0123456789." if kind in linkage.PLAIN_KINDS else "0123456789abcdef"
        assert all(set(v) <= set(allowed) for v in values), kind


def test_a_model_without_a_field_gives_it_no_weight():
    model = linkage.Model(m={"sex": {"agree": 0.9}}, u={"sex": {"agree": 0.5}})
    assert model.score({"sex": "agree", "household": "exact_3"}) == model.weight("sex", "agree")


def test_given_and_family_typed_the_other_way_round_agree_on_digests_too():
    straight = _digested(given="Karen", family="Nersisyan", birth_date="1980")
    swapped = _digested(given="Ներսիսյան", family="Карен", birth_date="1980")
    levels = linkage.compare_oriented(straight, swapped)
    assert (levels["given"], levels["family"]) == ("exact", "exact")
    assert linkage.compare(straight, swapped)["given"] == "differ"  # read straight, they differ


def test_sex_agreeing_counts_only_when_the_given_names_do_not_already_tell_it():
    anna = _digested(given="Anna", family="Petrosyan", sex="f")
    assert linkage.compare(anna, _digested(given="Анна", sex="f"))["sex"] == linkage.MISSING
    assert linkage.compare(anna, _digested(given="Lusine", sex="f"))["sex"] == "agree"
    assert linkage.compare(anna, _digested(family="Petrosyan", sex="f"))["sex"] == "agree"
    assert linkage.compare(anna, _digested(given="Anna", sex="m"))["sex"] == "differ"
    swapped = _digested(given="Petrosyan", family="Anna", sex="f")  # read the other way round
    assert linkage.compare_oriented(anna, swapped)["sex"] == linkage.MISSING


def test_one_name_with_the_birth_date_is_a_blocking_key_whatever_the_year_or_a_typo():
    def shared(a: dict, b: dict) -> set[str]:
        keys = linkage.blocking_keys
        return keys(linkage.person_record(**a)) & keys(linkage.person_record(**b))

    # The family name missing and the year typed wrong: the given name and the day and month.
    assert shared(
        {"given": "Gohar", "family": "Zohrabyan", "birth_date": "03.07.1981"},
        {"given": "Гоар", "birth_date": "7.3.1982"},
    )
    # One name mistyped, the other missing: the mistyped name's deletions with the full date.
    typo = shared(
        {"given": "Tigran", "family": "Zohrabyan", "birth_date": "03.07.1981"},
        {"family": "Zohranyan", "birth_date": "1981-07-03"},  # a consonant replaced
    )
    assert {key.partition("|")[0] for key in typo} == {"name-typo-date"}
    assert not shared(
        {"given": "Tigran", "birth_date": "03.07.1981"},
        {"given": "Gohar", "birth_date": "1981-07-03"},
    )


def test_a_phone_shared_by_few_has_a_small_counted_u_never_zero():
    records = [linkage.person_record(phone=f"091 00 00 {i:02d}") for i in range(50)]
    records.append(linkage.person_record(phone="091 00 00 00"))  # one phone shared once
    chance = linkage.agreement_chance(records, "phone")
    assert chance == 2 / (51 * 50)
    alone = linkage.agreement_chance(records[:50], "phone")
    assert 0 < alone < chance
    assert linkage.agreement_chance(records[:1], "phone") is None


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(0, 8), st.integers(0, 8))
        .filter(lambda p: p[0] != p[1])
        .map(lambda p: tuple(sorted(p))),
        st.floats(-20, 40),
        max_size=20,
    )
)
def test_a_pair_linked_through_a_third_scores_no_more_than_its_weaker_link(scores):
    strong = 15.0
    linked = linkage.through_others(scores, strong)
    for (a, c), score in linked.items():
        assert a < c and score > scores.get((a, c), -math.inf)
        paths = [
            min(scores[tuple(sorted((a, b)))], scores[tuple(sorted((b, c)))])
            for b in range(9)
            if tuple(sorted((a, b))) in scores and tuple(sorted((b, c))) in scores
        ]
        assert score == max(p for p in paths if p >= strong) - linkage.LINK_MARGIN
    assert not linkage.through_others({k: v for k, v in scores.items() if v < strong}, strong)


def _name_level(first: str, second: str) -> str:
    return linkage.compare(_digested(given=first), _digested(given=second))["given"]


def test_one_slip_is_a_typo_and_two_letters_apart_are_another_level_on_digests():
    assert _name_level("Gohar", "Gohark") == "typo"  # a letter added
    assert _name_level("Armen", "Ramen") == "typo"  # two letters swapped
    assert _name_level("Armen", "Karen") == "typo2"  # "aren" less a letter from both
    assert _name_level("Armen", "Arsen") == "replaced"  # one letter replaced, in its place
    assert _name_level("Gohar", "Gohad") == "replaced"
    plain = linkage.person_record(given="Armen"), linkage.person_record(given="Karen")
    assert linkage.compare(*plain)["given"] == "typo2"
    assert "names_loose" in linkage.evidence({"given": "typo2", "family": "exact"})


def test_the_same_consonants_without_a_shared_deletion_are_a_weaker_level_and_sex_counts():
    assert _name_level("Petrosyan", "Petrasyan") == "skeleton"
    assert _name_level("Armen", "Armine") == "skeleton2"
    armen = _digested(given="Armen", sex="m")
    assert linkage.compare(armen, _digested(given="Armine", sex="f"))["sex"] == "differ"
    assert linkage.compare(armen, _digested(given="Армен", sex="m"))["sex"] == linkage.MISSING
    assert linkage.compare(armen, _digested(given="Armine", sex="m"))["sex"] == "agree"


def test_the_same_point_weighs_more_at_a_quiet_point_than_at_a_busy_one():
    model = linkage.Model(m={"point": {"same": 0.45}}, u={"point": {"same": 0.15}})
    busy = [linkage.person_record(given="Anna", point=1) for _ in range(6)]
    records = [*busy, linkage.person_record(given="Anna", point=2)]
    model.tf = linkage.collisions(records)
    assert model.tf["point"] == (6 / 7) ** 2 + (1 / 7) ** 2
    freq = {linkage.point_share(p): s for p, s in linkage.shares(records, "point").items()}
    at_busy = linkage.compare_best(busy[0], busy[1], model, freq)["point"]
    at_quiet = linkage.compare_best(records[-1], records[-1], model, freq)["point"]
    assert at_busy.startswith("same@") and at_quiet.startswith("same@")
    assert model.weight("point", at_quiet) > model.weight("point", "same")
    assert model.weight("point", at_busy) < model.weight("point", "same")
    assert linkage.compare_best(busy[0], records[-1], model, freq)["point"] == "differ"
    assert "same_point" in linkage.evidence({"point": at_busy})


def test_names_typed_the_other_way_round_are_weighed_by_how_common_they_are_too():
    model = linkage.Model(
        m={"given": {"exact": 0.8}, "family": {"exact": 0.8}},
        u={"given": {"exact": 0.01}, "family": {"exact": 0.01}},
        tf={"given.full": 0.02, "family.full": 0.02},
    )
    straight = _digested(given="Karen", family="Nersisyan")
    swapped = _digested(given="Ներսիսյան", family="Карен")
    freq = dict.fromkeys(straight["given.full"] | straight["family.full"], 0.3)
    levels = linkage.compare_best(straight, swapped, model, freq)
    assert levels["given"].startswith("exact@") and levels["family"].startswith("exact@")
    assert model.score(levels) < model.score({"given": "exact", "family": "exact"})


def test_a_pair_is_marked_down_when_one_sides_other_registration_scores_low_with_the_other():
    # 1 and 2 are one person (30 bits); 3 matches 1 at 18 but 2 at -10: the pair (1, 3) is
    # averaged with -10 (its own score counted four times), and (2, 3) with 18.
    direct = {(1, 2): 30.0, (1, 3): 18.0, (2, 3): -10.0, (4, 5): 18.0}
    found = linkage.with_neighbours(direct, direct, 20.0, 0.0, lambda x, y: math.nan)
    assert found[(1, 3)] == (4 * 18 - 10) / 5
    assert (2, 3) not in found  # below the floor
    assert (4, 5) not in found and (1, 2) not in found  # no neighbour outside the pair
    linked = linkage.with_neighbours(direct, direct, 20.0, -20.0, lambda x, y: math.nan)
    assert linked[(2, 3)] == (4 * -10 + 18) / 5


PAIRS = st.tuples(st.integers(0, 6), st.integers(0, 6)).filter(lambda p: p[0] < p[1])


@given(st.dictionaries(PAIRS, st.floats(-40, 40), min_size=1, max_size=15))
@settings(max_examples=200)
def test_a_pair_averaged_with_its_neighbours_stays_between_their_scores(direct):
    def score_of(x, y):
        return direct.get((x, y), -5.0)

    found = linkage.with_neighbours(direct, direct, 10.0, -math.inf, score_of)
    every = [*direct.values(), -5.0]
    for pair, score in found.items():
        assert min(every) - 1e-9 <= score <= max(every) + 1e-9
        assert pair in direct


def test_the_check_marks_down_a_candidate_that_its_best_candidate_says_is_someone_else():
    births = linkage.FIELDS["birth"]
    model = linkage.Model(
        m={"birth": {level: 0.9 if level == "exact" else 0.1 / 6 for level in births}},
        u={"birth": {level: 0.01 if level == "exact" else 0.99 / 6 for level in births}},
    )
    record = linkage.person_record(given="Anna")
    candidates = {
        1: linkage.person_record(given="Anna", birth_date="1.2.1970"),
        2: linkage.person_record(given="Anna", birth_date="5.6.1980"),
    }
    scores = {1: 20.0, 2: 10.0}
    assert linkage.check_neighbours(record, candidates, scores, model) == {}  # no thresholds
    model.thresholds = {"review": 8.0, "warning": 15.0}
    apart = model.score({"birth": "differ"})
    assert linkage.check_neighbours(record, candidates, scores, model) == {2: (40 + apart) / 5}
    assert (40 + apart) / 5 < 8.0
