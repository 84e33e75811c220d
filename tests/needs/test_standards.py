"""The default standards: every rule loads against the demo catalogue, once, with its source."""

from __future__ import annotations

import json

import pytest

from kamavor.catalogue.services import load_catalogue
from kamavor.households.models import Household
from kamavor.lib import entitlements
from kamavor.needs.defaults import STANDARDS_FILE, load_standards
from kamavor.needs.models import Standard
from kamavor.needs.services import dues_for


@pytest.fixture
def catalogue(db):
    load_catalogue()


def test_every_default_rule_loads_and_cites_its_source(catalogue):
    rules = json.loads(STANDARDS_FILE.read_text())["standards"]
    loaded = load_standards()
    assert loaded.skipped == [] and len(loaded.created) == len(rules)
    for standard in Standard.objects.all():
        assert "Sphere Handbook 2018" in standard.source, standard.code
        standard.full_clean()
        assert isinstance(standard.rule, entitlements.Rule)  # the lib accepts the rule


def test_loading_again_changes_nothing_and_keeps_a_coordinators_change(catalogue):
    load_standards()
    Standard.objects.filter(code="sphere-blanket").update(quantity=2)
    again = load_standards()
    assert again.created == [] and again.updated == []
    assert Standard.objects.get(code="sphere-blanket").quantity == 2
    reset = load_standards(reset=True)
    assert reset.updated == ["sphere-blanket"]
    assert Standard.objects.get(code="sphere-blanket").quantity == 1


def test_rules_whose_item_is_missing_are_skipped(db, tmp_path):
    path = tmp_path / "standards.json"
    path.write_text(json.dumps({"standards": [{"code": "x", "item": "no-such-item",
                                               "quantity": 1, "period_days": 7}]}))  # fmt: skip
    assert load_standards(path=path).skipped == ["x"]


def test_a_family_of_five_is_due_what_sphere_says(catalogue):
    load_standards()
    family = Household(female_18_59=1, male_18_59=1, female_12_17=1, male_6_11=1, female_0_2=1)
    due = {d.standard.code: d.entitled for d in dues_for(family)}
    assert due == {
        "sphere-bathing-soap": 15,  # 250 g a month each, as 100 g bars rounded up
        "sphere-laundry-soap": 5,
        "sphere-menstrual-materials": 4,  # two of them are of menstruating age
        "sphere-clothing-adults": 6,
        "sphere-clothing-children": 2,
        "sphere-clothing-infants": 2,
        "sphere-blanket": 5,
        "sphere-water-containers": 2,
        "sphere-food-parcel-3-5": 1,
        "sphere-hygiene-kit": 1,
        "sphere-baby-kit": 1,
    }


def parcels_due(**composition) -> dict[str, int]:
    household = Household(**composition)
    return {
        d.standard.item.code: d.entitled
        for d in dues_for(household)
        if d.standard.item.code.endswith("-food")
    }


@pytest.mark.parametrize(
    ("composition", "parcels"),
    [
        ({"male_60": 1}, {"kit-small-food": 1}),  # one person: no family parcel for 4-5
        ({"female_18_59": 1, "female_0_2": 1}, {"kit-small-food": 1}),
        ({"female_18_59": 1, "male_18_59": 1, "male_6_11": 1}, {"kit-family-food": 1}),
        ({"female_18_59": 2, "male_18_59": 2, "male_6_11": 3}, {"kit-family-food": 2}),
        ({"female_18_59": 6, "male_18_59": 6}, {"kit-family-food": 3}),
    ],
)
def test_food_parcels_follow_the_household_size_bands(catalogue, composition, parcels):
    load_standards()
    assert parcels_due(**composition) == parcels


def test_a_retired_default_rule_is_switched_off_on_loading_again(catalogue):
    load_standards()
    Standard.objects.create(
        code="sphere-food-parcel-1-5",
        item=Standard.objects.get(code="sphere-food-parcel-3-5").item,
        per="household",
        quantity=1,
        period_days=14,
        size_min=1,
        size_max=5,
        source="Sphere Handbook 2018",
    )
    again = load_standards()
    assert again.retired == ["sphere-food-parcel-1-5"]
    assert not Standard.objects.get(code="sphere-food-parcel-1-5").active
    assert parcels_due(male_60=1) == {"kit-small-food": 1}
