"""Scoring: a birth year one apart is its own level, and names agreeing across spellings are
weighed by how common they are, on digests as on plain keys."""

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
