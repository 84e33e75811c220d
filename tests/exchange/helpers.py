"""Test helpers for the exchange: an OpenRosa phone (HTTP Basic, multipart submissions) and
filled instances of Kamavor's forms."""

from __future__ import annotations

import base64
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import PASSWORD


def basic(username: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode()


class Phone:
    """What ODK Collect sends: Basic credentials, an OpenRosa header, multipart submissions."""

    def __init__(self, org, user=None, secret: str | None = None, language: str = "en"):
        self.base = f"/openrosa/{org.slug}"
        self.client = Client()
        self.extra = {"HTTP_X_OPENROSA_VERSION": "1.0", "HTTP_ACCEPT_LANGUAGE": language}
        if user is not None:
            self.extra["HTTP_AUTHORIZATION"] = basic(user.username, secret or PASSWORD)

    def get(self, path: str):
        return self.client.get(self.base + path, **self.extra)

    def head(self, path: str = "/submission"):
        return self.client.head(self.base + path, **self.extra)

    def submit(self, xml: str | bytes, **attachments: bytes):
        files = {
            "xml_submission_file": SimpleUploadedFile(
                "submission.xml", xml.encode() if isinstance(xml, str) else xml, "text/xml"
            )
        }
        for name, content in attachments.items():
            files[name] = SimpleUploadedFile(name, content, "image/jpeg")
        return self.client.post(self.base + "/submission", files, **self.extra)


def instance(form_id: str, body: str, instance_id: str | None = None) -> str:
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    return (
        f'<?xml version="1.0"?><data xmlns:jr="http://openrosa.org/javarosa" id="{form_id}" '
        f'version="1">{body}<meta><instanceID>{instance_id}</instanceID></meta></data>'
    )


def household_xml(instance_id: str | None = None, **values: str) -> str:
    fields = {"female_18_59": "1", "male_6_11": "2", "personal": "no", **values}
    body = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return instance("household", body, instance_id)


def waiting_submission(w):
    """A submission of the world's organisation waiting for review (made once)."""
    from kamavor.exchange.models import Submission

    found = Submission.objects.filter(organisation=w.org, instance_id="uuid:waiting").first()
    if found is None:
        Phone(w.org, w.volunteer).submit(
            instance("intake", "<point>nowhere</point><line><item>x</item></line>", "uuid:waiting")
        )
        found = Submission.objects.get(organisation=w.org, instance_id="uuid:waiting")
    return found
