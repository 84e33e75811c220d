import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamavor.lib.sealing import InvalidToken, Vault


@given(st.text(min_size=1, max_size=200))
def test_sealed_text_opens_and_never_shows_the_text(text):
    vault = Vault(["first key"])
    token = vault.seal(text)
    assert vault.open(token) == text
    assert text not in token or len(text) < 3


def test_sealing_is_randomised():
    vault = Vault(["k"])
    assert vault.seal("+37491000000") != vault.seal("+37491000000")


def test_rotation_keeps_old_values_readable_and_reseals_with_the_new_key():
    old = Vault(["old key"])
    token = old.seal("Anahit")
    rotated = Vault(["new key", "old key"])
    assert rotated.open(token) == "Anahit"
    fresh = rotated.reseal(token)
    assert Vault(["new key"]).open(fresh) == "Anahit"
    with pytest.raises(InvalidToken):
        Vault(["new key"]).open(token)


def test_digests_are_keyed_and_stable():
    a, b = Vault(["key a"]), Vault(["key b"])
    assert a.digest("091000000") == a.digest("091000000")
    assert a.digest("091000000") != b.digest("091000000")
    import hashlib

    assert a.digest("091000000") != hashlib.sha256(b"091000000").hexdigest()
    assert a.digest("") == ""


def test_it_needs_a_key():
    with pytest.raises(ValueError):
        Vault([""])
