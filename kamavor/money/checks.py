"""Input checks every money service shares: currencies, amounts, funds, texts.

Each refusal is a KamavorError with a stable code and a message in the user's language, raised
before anything is written."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kamavor.core.errors import InvalidInput
from kamavor.lib.currencies import (
    ISO_4217,
    MAX_EXPONENT,
    AmountError,
    format_amount,
    normal_code,
    parse_amount,
)
from kamavor.money.access import handles_money
from kamavor.money.models import Currency, Fund

# The largest amount one record may move, in major units: far beyond any real donation, and
# small enough that no sum of a fund's entries can overflow its column.
MAX_AMOUNT = 10**12


def check_currency(code: object, *, field: str = "currency") -> Currency:
    """The currency of an ISO 4217 code (in any case), or a clear error."""
    normal = normal_code(code)
    currency = Currency.objects.filter(code=normal).first() if normal else None
    if currency is None and normal in ISO_4217:
        # A code of the standard missing from the table (emptied by hand): it comes back.
        currency, _created = Currency.objects.get_or_create(
            code=normal, defaults={"exponent": ISO_4217[normal]}
        )
    if currency is None:
        raise InvalidInput(
            _("%(code)s is not a currency code we know (ISO 4217: AMD, USD, EUR, RUB, GEL…).")
            % {"code": str(code or "")[:10]},
            code="unknown_currency",
            field=field,
        )
    return currency


def check_amount(
    value: object, currency: Currency, *, field: str = "amount", allow_zero: bool = False
) -> int:
    """An amount typed in major units ('1500.50'), as minor units of the currency."""
    exponent = min(currency.exponent, MAX_EXPONENT)
    try:
        minor = parse_amount(value, exponent)
    except AmountError as error:
        raise _amount_error(error.reason, currency, field) from None
    if minor == 0 and not allow_zero:
        raise InvalidInput(
            _("The amount must be more than zero."), code="amount_not_positive", field=field
        )
    if minor > MAX_AMOUNT * 10**exponent:
        raise _amount_error("too_large", currency, field)
    return minor


def _amount_error(reason: str, currency: Currency, field: str) -> InvalidInput:
    if reason == "negative":
        return InvalidInput(
            _("The amount cannot be negative."), code="amount_not_positive", field=field
        )
    if reason == "too_precise":
        return InvalidInput(
            _("%(code)s has %(n)d decimal places: enter at most that many.")
            % {"code": currency.code, "n": currency.exponent},
            code="invalid_amount",
            field=field,
        )
    if reason == "too_large":
        return InvalidInput(
            _("The amount is too large (at most %(max)s).") % {"max": format_amount(MAX_AMOUNT, 0)},
            code="invalid_amount",
            field=field,
        )
    return InvalidInput(
        _("Enter the amount as a number, such as 1500 or 1500.50."),
        code="invalid_amount",
        field=field,
    )


def check_fund(fund: Fund, by, *, organisation_id: int | None = None, field: str = "fund") -> Fund:
    """A fund the user handles money of, open, and (when given) of this organisation."""
    if not isinstance(fund, Fund):
        raise InvalidInput(_("Choose a fund."), code="unknown_fund", field=field)
    if organisation_id is not None and fund.organisation_id != organisation_id:
        raise InvalidInput(
            _("%(fund)s is a fund of another organisation.") % {"fund": fund.name},
            code="fund_of_another_organisation",
            field=field,
        )
    if not handles_money(by, fund.organisation_id):
        raise PermissionDenied
    if not fund.active:
        raise InvalidInput(
            _("%(fund)s is closed: it takes no money.") % {"fund": fund.name},
            code="fund_closed",
            field=field,
        )
    return fund


def clean_text(value: object, *, limit: int, label: str, field: str = "") -> str:
    text = str(value or "").replace("\x00", "").strip()
    if len(text) > limit:
        raise InvalidInput(
            _("%(label)s is too long (at most %(n)d characters).") % {"label": label, "n": limit},
            code="too_long",
            field=field or None,
        )
    return text
