"""The OpenRosa 1.0 server of each organisation, for ODK Collect, KoboCollect and Enketo.

`/openrosa/<organisation>/` is the server address a phone is given; it asks `formList`, fetches
each form, checks `submission` with HEAD, then POSTs each filled form (multipart, the XML in
`xml_submission_file`, attachments beside it). Members sign in with HTTP Basic: their username
and either an API token (for every role; the only way for roles that need a second factor) or
their password (through the same throttled check as the login page). Enketo-style clients send
`Authorization: Bearer <token>`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from xml.sax.saxutils import escape

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from kamavor.core.errors import KamavorError
from kamavor.exchange.handlers import HANDLERS, may_send
from kamavor.exchange.models import Submission
from kamavor.exchange.services import Attachment, SubmissionRefused, receive_submission
from kamavor.exchange.xforms import xform_for
from kamavor.network.access import needs_second_factor, role_at
from kamavor.network.models import Organisation
from kamavor.network.services import TOKEN_PREFIX, user_for_token

MAX_SUBMISSION = 10 * 1024 * 1024  # bytes, XML and attachments together
XML = "text/xml; charset=utf-8"
STATUS = {
    "malformed_submission": 400,
    "unknown_form": 404,
    "instance_conflict": 409,
}


def _headers(response: HttpResponse) -> HttpResponse:
    response["X-OpenRosa-Version"] = "1.0"
    response["X-OpenRosa-Accept-Content-Length"] = str(MAX_SUBMISSION)
    return response


def openrosa_response(message: str, *, status: int, nature: str = "") -> HttpResponse:
    """An OpenRosaResponse document, whose message ODK Collect shows the person."""
    attribute = f' nature="{escape(nature)}"' if nature else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
        f"<message{attribute}>{escape(message)}</message></OpenRosaResponse>"
    )
    return _headers(HttpResponse(body, status=status, content_type=XML))


def _unauthorised(organisation_slug: str) -> HttpResponse:
    response = openrosa_response(
        _("Sign in with your Kamavor username and an API token or your password."),
        status=401,
        nature="submit_error",
    )
    response["WWW-Authenticate"] = f'Basic realm="Kamavor {organisation_slug}", charset="UTF-8"'
    return response


def _credentials(request: HttpRequest):
    """The member the request's credentials name, or None."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return user_for_token(value.strip())
    if scheme.lower() != "basic":
        return None
    try:
        username, _colon, secret = base64.b64decode(value.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if secret.startswith(TOKEN_PREFIX):
        user = user_for_token(secret)
        if user is not None and user.get_username().casefold() == username.strip().casefold():
            return user
        return None
    try:
        user = authenticate(request, username=username, password=secret)
    except PermissionDenied:  # throttled: too many wrong passwords
        return None
    if user is None or needs_second_factor(user):
        # A password alone must not open what a second factor guards: use a token instead.
        return None
    return user


def _member_and_organisation(request: HttpRequest, organisation_slug: str):
    user = _credentials(request)
    if user is None:
        return None, None
    organisation = Organisation.objects.filter(slug=organisation_slug).first()
    if organisation is None or role_at(user, organisation.pk) is None:
        raise Http404
    return user, organisation


def _not_found() -> HttpResponse:
    return openrosa_response(_("Not found."), status=404, nature="submit_error")


def _forbidden() -> HttpResponse:
    return openrosa_response(
        _("Your role does not allow sending this form."), status=403, nature="submit_error"
    )


def form_list(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    """The forms this member may fill for the organisation (OpenRosa form discovery)."""
    try:
        user, organisation = _member_and_organisation(request, organisation_slug)
    except Http404:
        return _not_found()
    if user is None:
        return _unauthorised(organisation_slug)
    entries = []
    for form_id in HANDLERS:
        if not may_send(user, organisation.pk, form_id):
            continue
        form = xform_for(organisation, form_id)
        url = request.build_absolute_uri(
            reverse("exchange:form_download", args=[organisation.slug, form_id])
        )
        entries.append(
            "<xform>"
            f"<formID>{escape(form_id)}</formID><name>{escape(form.title)}</name>"
            f"<version>{escape(form.version)}</version><hash>md5:{form.md5}</hash>"
            f"<downloadUrl>{escape(url)}</downloadUrl>"
            "</xform>"
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xforms xmlns="http://openrosa.org/xforms/xformsList">' + "".join(entries) + "</xforms>"
    )
    return _headers(HttpResponse(body, content_type=XML))


def form_download(request: HttpRequest, organisation_slug: str, form_id: str) -> HttpResponse:
    """One form's XForm, with the organisation's lists in it."""
    try:
        user, organisation = _member_and_organisation(request, organisation_slug)
    except Http404:
        return _not_found()
    if user is None:
        return _unauthorised(organisation_slug)
    if form_id not in HANDLERS:
        return _not_found()
    if not may_send(user, organisation.pk, form_id):
        return _forbidden()
    return _headers(HttpResponse(xform_for(organisation, form_id).xml, content_type=XML))


def answer(submission: Submission) -> str:
    """What the phone is told: the same words every time the instance is sent."""
    if submission.status == Submission.Status.ACCEPTED:
        return _("Received and saved: %(result)s.") % {"result": submission.result}
    if submission.status == Submission.Status.REVIEW:
        return _("Received. A coordinator will check it: %(reason)s") % {
            "reason": submission.reason()
        }
    return _("Received earlier and rejected by a coordinator.")


@csrf_exempt
def submission(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    """HEAD (or GET): may I send, and how much? POST: a filled form and its attachments. The
    answer says how long the server worked on it (`Server-Timing`, in milliseconds): `app` is the
    wall time, database waits and the wait for the interpreter included; `cpu` is the processor
    time this request's thread spent, the figure that does not grow with a loaded machine."""
    started = time.perf_counter()
    cpu = time.thread_time()
    response = _submission(request, organisation_slug)
    response["Server-Timing"] = (
        f"app;dur={(time.perf_counter() - started) * 1000:.1f}, "
        f"cpu;dur={(time.thread_time() - cpu) * 1000:.1f}"
    )
    return response


def _submission(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    try:
        user, organisation = _member_and_organisation(request, organisation_slug)
    except Http404:
        return _not_found()
    if user is None:
        return _unauthorised(organisation_slug)
    if request.method in ("HEAD", "GET"):
        return _headers(HttpResponse(status=204))
    if request.method != "POST":
        response = openrosa_response(_("Send forms with POST."), status=405)
        response["Allow"] = "HEAD, GET, POST"
        return response
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_SUBMISSION:
        return openrosa_response(
            _("This submission is too large (at most %(n)d MB).") % {"n": MAX_SUBMISSION >> 20},
            status=413,
            nature="submit_error",
        )
    try:
        xml, attachments = _read_upload(request)
    except ValueError:
        return openrosa_response(
            _("Send the form as xml_submission_file in a multipart request."),
            status=400,
            nature="submit_error",
        )
    try:
        received = receive_submission(
            organisation=organisation, by=user, xml=xml, attachments=attachments
        )
    except PermissionDenied:
        return _forbidden()
    except SubmissionRefused as error:
        return openrosa_response(
            error.message, status=STATUS.get(error.code, 400), nature="submit_error"
        )
    except KamavorError as error:  # nothing written
        return openrosa_response(error.message, status=400, nature="submit_error")
    response = openrosa_response(answer(received.submission), status=201, nature="submit_success")
    response["Location"] = request.build_absolute_uri()
    return response


def _read_upload(request: HttpRequest) -> tuple[bytes, list[Attachment]]:
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith(("text/xml", "application/xml")):
        return request.body, []
    if not content_type.startswith("multipart/form-data"):
        raise ValueError("not multipart")
    try:
        files = request.FILES
    except Exception as error:  # a broken multipart body
        raise ValueError("broken multipart") from error
    upload = files.get("xml_submission_file")
    if upload is None:
        raise ValueError("no xml_submission_file")
    xml = upload.read()
    attachments = []
    for name, upload_ in files.items():
        if name == "xml_submission_file":
            continue
        # Kamavor's forms ask for no photos or files: an attachment is acknowledged (its name,
        # size and digest are kept with the submission) but its content is not stored.
        whole = hashlib.sha256()
        for chunk in upload_.chunks():
            whole.update(chunk)
        attachments.append(Attachment(name=name[:200], size=upload_.size, sha256=whole.hexdigest()))
    return xml, attachments
