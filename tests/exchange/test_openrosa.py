"""The OpenRosa server as ODK Collect uses it: form list, form download, HEAD and POST."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree

from kamavor.exchange.models import Submission
from kamavor.households.models import Household
from kamavor.network.models import Point
from tests.exchange.helpers import Phone, household_xml, instance
from tests.factories import make_point

NS = {"x": "http://openrosa.org/xforms/xformsList", "r": "http://openrosa.org/http/response"}


def message(response) -> str:
    root = ElementTree.fromstring(response.content)
    return root.find("r:message", NS).text


def test_the_form_list_names_the_forms_the_member_may_send(w):
    response = Phone(w.org, w.volunteer).get("/formList")
    assert response.status_code == 200
    assert response["X-OpenRosa-Version"] == "1.0"
    assert response["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    forms = {f.find("x:formID", NS).text: f for f in root.findall("x:xform", NS)}
    assert set(forms) == {"household", "request", "intake", "headcount"}
    entry = forms["household"]
    assert entry.find("x:hash", NS).text.startswith("md5:")
    download = entry.find("x:downloadUrl", NS).text
    assert download.endswith(f"/openrosa/{w.org.slug}/forms/household.xml")
    partner = ElementTree.fromstring(Phone(w.org, w.partner).get("/formList").content)
    assert {f.find("x:formID", NS).text for f in partner.findall("x:xform", NS)} == {
        "request",
        "headcount",
    }


def test_a_form_downloads_with_the_organisations_lists_in_three_languages(w):
    make_point(w.org, "Dormitory 3", Point.Kind.SHELTER)
    response = Phone(w.org, w.volunteer).get("/forms/household.xml")
    assert response.status_code == 200 and response["X-OpenRosa-Version"] == "1.0"
    xml = response.content.decode()
    for language in ("Հայերեն (hy)", "Русский (ru)", "English (en)"):
        assert f'<translation lang="{language}"' in xml
    assert "Dormitory 3" in xml and "Goris school" not in xml
    listed = Phone(w.org, w.volunteer).get("/formList").content.decode()
    import hashlib

    assert hashlib.md5(response.content).hexdigest() in listed


def test_head_says_what_it_accepts(w):
    response = Phone(w.org, w.volunteer).head()
    assert response.status_code == 204
    assert response["X-OpenRosa-Version"] == "1.0"
    assert int(response["X-OpenRosa-Accept-Content-Length"]) >= 1_000_000


def test_a_submission_registers_a_household_once(w):
    phone = Phone(w.org, w.volunteer)
    xml = household_xml("uuid:one", flags="disability")
    response = phone.submit(xml)
    assert response.status_code == 201, response.content
    assert "Received and saved" in message(response)
    submission = Submission.objects.get(instance_id="uuid:one")
    assert submission.status == "accepted" and submission.submitted_by == w.volunteer
    household = Household.objects.get()
    assert household.display_code in submission.result
    assert (household.female_18_59, household.male_6_11, household.disability) == (1, 2, True)
    again = phone.submit(xml)
    assert again.status_code == 201 and message(again) == message(response)
    assert Household.objects.count() == 1 and Submission.objects.count() == 1


def test_the_same_instance_id_with_other_answers_is_a_conflict(w):
    phone = Phone(w.org, w.volunteer)
    assert phone.submit(household_xml("uuid:two")).status_code == 201
    response = phone.submit(household_xml("uuid:two", male_60="1"))
    assert response.status_code == 409
    assert Household.objects.count() == 1


def test_attachments_are_accepted_and_only_described(w):
    response = Phone(w.org, w.volunteer).submit(household_xml("uuid:att"), photo=b"\xff\xd8 jpeg")
    assert response.status_code == 201
    (attachment,) = Submission.objects.get(instance_id="uuid:att").attachments
    assert attachment["name"] == "photo" and attachment["size"] == 7


@pytest.mark.parametrize(
    "xml",
    [
        "not xml at all",
        '<!DOCTYPE x [<!ENTITY a "aaaa">]><data id="household">&a;</data>',
        '<data id="household"><female_18_59>1</female_18_59></data>',  # no instanceID
    ],
)
def test_malformed_submissions_are_refused_and_nothing_is_written(w, xml):
    response = Phone(w.org, w.volunteer).submit(xml)
    assert response.status_code == 400
    assert message(response)
    assert not Submission.objects.exists() and not Household.objects.exists()


def test_an_unknown_form_is_refused(w):
    response = Phone(w.org, w.volunteer).submit(instance("payroll", "<x>1</x>"))
    assert response.status_code == 404
    assert not Submission.objects.exists()


def test_credentials_are_required_and_checked(w):
    anonymous = Phone(w.org).get("/formList")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Basic ")
    assert Phone(w.org, w.volunteer, secret="wrong").submit(household_xml()).status_code == 401
    assert Phone(w.org).head().status_code == 401
    assert not Submission.objects.exists()


def test_roles_with_a_second_factor_use_a_token_not_their_password(w):
    assert Phone(w.org, w.coordinator).get("/formList").status_code == 401
    token = w.token(w.coordinator)
    assert Phone(w.org, w.coordinator, secret=token).get("/formList").status_code == 200
    # A token opens only its own user's account.
    assert Phone(w.org, w.volunteer, secret=token).get("/formList").status_code == 401
    bearer = Phone(w.org)
    bearer.extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert bearer.get("/formList").status_code == 200


def test_another_organisations_server_is_not_found(w):
    assert Phone(w.other_org, w.volunteer).get("/formList").status_code == 404
    response = Phone(w.other_org, w.volunteer).submit(household_xml())
    assert response.status_code == 404
    assert not Submission.objects.exists()


def test_a_role_that_may_not_send_a_form_is_refused(w):
    response = Phone(w.org, w.partner).submit(household_xml())
    assert response.status_code == 403
    assert not Submission.objects.exists() and not Household.objects.exists()
    assert Phone(w.org, w.partner).get("/forms/household.xml").status_code == 403


def test_an_oversized_submission_is_refused_before_it_is_read(w, settings):
    from kamavor.exchange import openrosa

    big = household_xml("uuid:big", notes="x" * 1000)
    phone = Phone(w.org, w.volunteer)
    limit = openrosa.MAX_SUBMISSION
    openrosa.MAX_SUBMISSION = 500
    try:
        response = phone.submit(big)
    finally:
        openrosa.MAX_SUBMISSION = limit
    assert response.status_code == 413
    assert not Submission.objects.exists()


def test_a_submission_costs_a_fixed_number_of_queries(w, django_assert_num_queries):
    token = w.token(w.volunteer)
    phone = Phone(w.org, w.volunteer, secret=token)
    phone.submit(household_xml("uuid:warm"))  # the token's first use is written once
    with django_assert_num_queries(11):  # 10, and the entitlement totals the household joins
        assert phone.submit(household_xml("uuid:counted")).status_code == 201
    with django_assert_num_queries(3):  # a resent instance: the token, the member, the answer
        assert phone.submit(household_xml("uuid:counted")).status_code == 201


def test_the_answer_says_how_long_the_server_worked(w):
    response = Phone(w.org, w.volunteer).submit(household_xml("uuid:timed"))
    timing = dict(part.strip().split(";dur=") for part in response["Server-Timing"].split(","))
    assert set(timing) == {"app", "cpu"}
    assert float(timing["app"]) > 0 and float(timing["cpu"]) > 0


def test_wrong_passwords_lock_the_account_as_the_login_page_does(w, settings):
    for _attempt in range(settings.KAMAVOR_LOGIN_ACCOUNT_LIMIT):
        assert Phone(w.org, w.volunteer, secret="guess").get("/formList").status_code == 401
    assert Phone(w.org, w.volunteer).get("/formList").status_code == 401  # the right one too
    assert not Submission.objects.exists()
