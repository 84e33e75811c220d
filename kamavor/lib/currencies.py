"""ISO 4217 currencies and exact amounts in their minor units (no Django, no floats).

An amount is held as a whole number of the currency's minor units: 1500.50 AMD is 150050 luma,
1000 JPY is 1000 yen (exponent 0), 1.250 KWD is 1250 fils (exponent 3). Text typed by a person
("1 500,50", "1500.5") is read with Decimal and refused when it has more decimals than the
currency has, so nothing is ever rounded silently.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Currencies in use (ISO 4217, list one), by code: the exponent of the minor unit. Every code
# not listed below has two decimals.
_NO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_TWO = (
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN "
    "BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP "
    "GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT "
    "LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN "
    "NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE "
    "SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES "
    "WST XCD XCG YER ZAR ZMW ZWG"
)
ISO_4217: dict[str, int] = dict(
    sorted(
        (code, exponent)
        for codes, exponent in ((_NO_DECIMALS, 0), (_TWO, 2), (_THREE, 3), (_FOUR, 4))
        for code in codes.split()
    )
)

CODE = re.compile(r"^[A-Z]{3}$")
MAX_EXPONENT = 4
# The largest amount a database column (bigint) holds, in minor units.
MAX_MINOR = 2**63 - 1
_SPACES = re.compile(r"[\s\u00a0\u202f']+")  # 1 500, 1'500, narrow no-break spaces


class AmountError(ValueError):
    """Text that is not an amount of this currency (the caller says why in the user's language)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "not_a_number", "negative", "too_precise", "too_large"


def normal_code(code: object) -> str:
    """The code in capitals without spaces ('' when it cannot be one)."""
    text = str(code or "").strip().upper()
    return text if CODE.match(text) else ""


def parse_amount(text: object, exponent: int) -> int:
    """The amount typed, in minor units: '1 500,50' with exponent 2 is 150050.

    Refuses (AmountError) what is not a number, negative, has more decimals than the currency,
    or is beyond what the database stores. A float is refused too: it is never exact."""
    if isinstance(text, bool | float):
        raise AmountError("not_a_number")
    if isinstance(text, int):
        value = Decimal(text)
    else:
        raw = _SPACES.sub("", str(text or ""))
        if raw.count(",") == 1 and "." not in raw:
            raw = raw.replace(",", ".")  # a decimal comma, as typed in Armenia and Russia
        if not raw or len(raw) > 40 or not re.fullmatch(r"[+-]?\d*\.?\d*", raw) or raw in ".+-":
            raise AmountError("not_a_number")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise AmountError("not_a_number") from None
    if value < 0:
        raise AmountError("negative")
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise AmountError("too_precise")
    minor = int(scaled)
    if minor > MAX_MINOR:
        raise AmountError("too_large")
    return minor


def as_decimal(minor: int, exponent: int) -> Decimal:
    """The amount in major units, exact: 150050 with exponent 2 is Decimal('1500.50')."""
    return Decimal(minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def format_amount(minor: int, exponent: int, *, group: str = "\u00a0") -> str:
    """The amount for people: 150050 with exponent 2 is '1 500.50' (a no-break space groups
    thousands, so that hy, ru and en readers all read it), negative with a minus sign."""
    sign = "-" if minor < 0 else ""
    text = f"{as_decimal(abs(minor), exponent):,f}".replace(",", group)
    return sign + text


def convert(minor: int, *, exponent: int, rate: Decimal, to_exponent: int) -> int:
    """`minor` units of one currency in another at `rate` (units of the other per unit of
    this one), rounded half away from zero to the other's minor unit: a report's figure."""
    value = Decimal(minor).scaleb(-exponent) * rate
    scaled = value.scaleb(to_exponent)
    sign = -1 if scaled < 0 else 1
    return sign * int(abs(scaled).to_integral_value(rounding="ROUND_HALF_UP"))
