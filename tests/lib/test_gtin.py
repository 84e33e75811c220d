from hypothesis import given
from hypothesis import strategies as st

from kamavor.lib.gtin import check_digit, is_valid_gtin, looks_like_barcode


def test_real_examples():
    assert is_valid_gtin("4006381333931")  # EAN-13
    assert is_valid_gtin("036000291452")  # UPC-A
    assert is_valid_gtin("96385074")  # EAN-8
    assert not is_valid_gtin("4006381333932")
    assert not is_valid_gtin("rice")
    assert not looks_like_barcode("12345")


bodies = st.sampled_from([7, 11, 12, 13]).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)
)


@given(bodies)
def test_a_computed_check_digit_validates(body):
    assert is_valid_gtin(body + str(check_digit(body)))


@given(bodies, st.data())
def test_a_single_mistyped_digit_is_caught(body, data):
    code = body + str(check_digit(body))
    i = data.draw(st.integers(0, len(code) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != code[i]]))
    assert not is_valid_gtin(code[:i] + wrong + code[i + 1 :])
