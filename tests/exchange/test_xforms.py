"""The served forms: pyxform converts every XLSForm without a warning, every label exists in
hy, ru and en, and the choice lists follow the organisation's data."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree

from kamavor.exchange import xforms
from kamavor.exchange.models import FORM_IDS
from kamavor.network.models import Point
from tests.factories import make_point

XF = "{http://www.w3.org/2002/xforms}"


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_each_served_form_converts_without_warnings(w, form_id):
    served = xforms.xform_for(w.org, form_id)
    assert served.warnings == () and served.form_id == form_id
    assert f'id="{form_id}"' in served.xml and f'version="{served.version}"' in served.xml


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_text_of_every_served_form_is_in_three_languages(w, form_id):
    make_point(w.org, "Dormitory 3", Point.Kind.SHELTER)
    root = ElementTree.fromstring(xforms.xform_for(w.org, form_id).xml.encode())
    translations = {t.get("lang"): t for t in root.iter(f"{XF}translation")}
    assert set(translations) == set(xforms.LANGUAGES.values())
    ids = [{text.get("id") for text in t.iter(f"{XF}text")} for t in translations.values()]
    assert ids[0] and ids[0] == ids[1] == ids[2]
    for translation in translations.values():
        for value in translation.iter(f"{XF}value"):
            assert (value.text or "").strip(), (form_id, translation.get("lang"))


def test_lists_are_the_organisations_and_the_version_follows_them(w):
    before = xforms.xform_for(w.org, "headcount")
    assert "none" in before.xml  # no shelter yet: the list offers "none"
    make_point(w.org, "Dormitory 3", Point.Kind.SHELTER)
    make_point(w.other_org, "Goris hostel", Point.Kind.SHELTER)
    after = xforms.xform_for(w.org, "headcount")
    assert after.version != before.version and after.md5 != before.md5
    assert "Dormitory 3" in after.xml and "Goris hostel" not in after.xml
    assert xforms.xform_for(w.org, "headcount") is after  # cached while nothing changed
    intake = xforms.xform_for(w.org, "intake").xml
    for name in ("Բրինձ, 1 կգ", "Рис, 1 кг", "Rice, 1 kg"):
        assert name in intake
