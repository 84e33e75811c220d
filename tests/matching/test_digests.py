"""Property tests: the matching digests never contain or reveal a plain value, and change with
the key; equal normal forms give equal digests (so matching works on digests alone)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kamavor.lib import linkage
from kamavor.lib.sealing import Vault
from kamavor.matching.services import Identity, keys_for

NAMES = st.sampled_from(
    ["Աննա", "Анна", "Anna", "Զոհրաբյան", "Зограбян", "Petrosyan", "Bedrosian", "Գևորգ", "Kevork"]
)
DATES = st.dates().map(lambda d: d.strftime("%d.%m.%Y")) | st.sampled_from(["", "1980"])
PHONES = st.from_regex(r"\+374 9[1-9] [0-9]{6}", fullmatch=True) | st.just("")


def _plain_values(identity: Identity) -> set[str]:
    plain = linkage.person_record(
        given=identity.given, family=identity.family, birth_date=identity.birth_date,
        sex=identity.sex, phone=identity.phone,
    )  # fmt: skip
    values = {v for vs in plain.values() for v in vs if len(v) >= 3}
    return values | set(linkage.blocking_keys(plain))


@settings(max_examples=60, deadline=None)
@given(given_=NAMES, family=NAMES, birth=DATES, phone=PHONES, key=st.text(min_size=8))
def test_digests_hold_no_plain_value_and_change_with_the_key(given_, family, birth, phone, key):
    identity = Identity(given=given_, family=family, birth_date=birth, phone=phone)
    record, filed = keys_for(identity, Vault([key]))
    stored = [d for ds in record.values() for d in ds] + [k.partition("|")[2] for k in filed]
    assert all(len(d) == 16 and all(c in "0123456789abcdef" for c in d) for d in stored)
    for value in _plain_values(identity) | {given_, family, birth, phone} - {""}:
        # (A shorter value, such as a year, may turn up in 16 hex digits by chance.)
        assert all(value not in d for d in stored) or len(value) < 7
    other_record, other_filed = keys_for(identity, Vault([key + "-rotated"]))
    assert not set(filed) & set(other_filed)
    assert not {d for ds in record.values() for d in ds} & {
        d for ds in other_record.values() for d in ds
    }


@settings(max_examples=30, deadline=None)
@given(name=NAMES, birth=DATES)
def test_the_same_person_in_two_scripts_gives_the_same_digests(name, birth):
    v = Vault(["one key"])
    a, _ = keys_for(Identity(given="Աննա", family=name, birth_date=birth), v)
    b, _ = keys_for(Identity(given="Anna", family=name, birth_date=birth), v)
    assert a == b


@settings(max_examples=20, deadline=None)
@given(key=st.text(min_size=8))
def test_names_that_sound_alike_share_a_loose_digest_that_changes_with_the_key(key):
    v = Vault([key])
    a, filed_a = keys_for(Identity(given="Армен", family="Ховганнисян"), v)
    b, filed_b = keys_for(Identity(given="Armen", family="Hovhannisyan"), v)
    assert a["family.loose"] == b["family.loose"] and a["family.skeleton"] != b["family.skeleton"]
    assert {k for k in filed_a if k.startswith("names-loose|")} & set(filed_b)
    assert all("fnsn" not in d for d in a["family.loose"])
    rotated, _ = keys_for(Identity(given="Армен", family="Ховганнисян"), Vault([key + "-2"]))
    assert not a["family.loose"] & rotated["family.loose"]
