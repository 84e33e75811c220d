"""Reading a submitted XForm instance: its form, version, instanceID and values.

Parsed with defusedxml (no entities, no external references: the XML comes from the network).
Groups are flattened (field names are unique in Kamavor's forms); a repeat becomes a list of
dicts. Values stay text: each form's handler turns them into what its service takes.
"""

from __future__ import annotations

from dataclasses import dataclass

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

REPEATS = frozenset({"line"})
MAX_VALUE = 2000  # characters in one answer
MAX_FIELDS = 2000  # answers in one instance


class MalformedInstance(ValueError):
    """The submission is not an XForm instance Kamavor can read."""


@dataclass(frozen=True)
class Instance:
    form_id: str
    version: str
    instance_id: str
    values: dict


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _values(element, counter: list[int]) -> dict:
    values: dict = {}
    for child in element:
        counter[0] += 1
        if counter[0] > MAX_FIELDS:
            raise MalformedInstance("too many fields")
        tag = _local(child.tag)
        if tag == "meta":
            continue
        if len(child):
            inner = _values(child, counter)
            if tag in REPEATS:
                values.setdefault(tag, []).append(inner)
            else:
                values.update(inner)
        else:
            text = (child.text or "").strip()
            if len(text) > MAX_VALUE:
                raise MalformedInstance(f"{tag} is too long")
            if tag in REPEATS:  # a repeat left empty
                values.setdefault(tag, []).append({})
            else:
                values[tag] = text
    return values


def parse_instance(xml: bytes) -> Instance:
    """The instance's form id, version, instanceID and values; MalformedInstance otherwise."""
    try:
        root = ElementTree.fromstring(xml, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as error:
        raise MalformedInstance("not XML") from error
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise MalformedInstance("no form id")
    instance_id = ""
    for element in root.iter():
        if _local(element.tag) == "instanceID":
            instance_id = (element.text or "").strip()
            break
    if not instance_id or len(instance_id) > 200:
        raise MalformedInstance("no instanceID")
    return Instance(
        form_id=form_id,
        version=(root.get("version") or "").strip()[:40],
        instance_id=instance_id,
        values=_values(root, [0]),
    )
