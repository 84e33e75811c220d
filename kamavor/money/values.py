"""What things are worth: exchange rates entered by hand or from a file, and in-kind values.

Rates are reference data, not ledger entries: the rate of a day may be corrected (entered
again). Nothing here asks any rate service: a treasurer types the rate of the day or imports a
CSV file their bank or central bank published.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Item
from kamavor.core.errors import InvalidInput
from kamavor.core.transactions import in_transaction
from kamavor.money.access import require_money
from kamavor.money.checks import check_amount, check_currency
from kamavor.money.models import Currency, ExchangeRate, ItemValue, MoneySettings
from kamavor.network.models import Organisation

DEFAULT_CURRENCY = "AMD"
MAX_RATE = Decimal("1e11")
MAX_IMPORT_ROWS = 20_000


def home_currency(organisation_id: int) -> Currency:
    """The currency the organisation's reports are in (AMD unless a treasurer chose another)."""
    settings = MoneySettings.objects.filter(organisation_id=organisation_id).first()
    if settings is not None:
        return settings.currency
    return check_currency(DEFAULT_CURRENCY)


def check_rate(value: object, *, field: str = "rate") -> Decimal:
    text = str(value if value is not None else "").strip().replace(",", ".")
    if isinstance(value, float | bool) or not text or len(text) > 30:
        raise _rate_error(field)
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise _rate_error(field) from None
    if not rate.is_finite() or rate <= 0 or rate >= MAX_RATE or -rate.as_tuple().exponent > 8:
        raise _rate_error(field)
    return rate


def _rate_error(field: str) -> InvalidInput:
    return InvalidInput(
        _("Enter the rate as a number above zero with at most 8 decimals, such as 387.5."),
        code="invalid_rate",
        field=field,
    )


def check_day(value: object, *, field: str = "day") -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise InvalidInput(
            _("Enter the day as YYYY-MM-DD."), code="invalid_day", field=field
        ) from None


def set_rate(
    *, organisation: Organisation, currency: str, day: object, rate: object, by
) -> ExchangeRate:
    """What one unit of `currency` was worth in the organisation's currency on `day`."""
    require_money(by, organisation.pk)
    chosen = check_currency(currency)
    home = home_currency(organisation.pk)
    if chosen.pk == home.pk:
        raise InvalidInput(
            _("%(code)s is the organisation's own currency: its rate is 1.") % {"code": home.pk},
            code="own_currency",
            field="currency",
        )
    day, value = check_day(day), check_rate(rate)

    def unit() -> ExchangeRate:
        row, _created = ExchangeRate.objects.update_or_create(
            organisation=organisation,
            currency=chosen,
            day=day,
            defaults={"rate": value, "entered_by": by, "entered_at": timezone.now()},
        )
        return row

    return in_transaction(unit)


def import_rates(*, organisation: Organisation, text: str, by) -> int:
    """Rates from a CSV file with the columns day, currency, rate (a header line, commas or
    semicolons); all of them or, at the first bad line, none. The number of rates written."""
    require_money(by, organisation.pk)
    home = home_currency(organisation.pk)
    text = text.lstrip("\ufeff")  # a byte order mark, as spreadsheets write
    header = text.split("\n", 1)[0]
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if ";" in header else ","))
    if not rows or [c.strip().lower() for c in rows[0][:3]] != ["day", "currency", "rate"]:
        raise InvalidInput(
            _("The first line of the file must be: day,currency,rate."), code="invalid_file"
        )
    if len(rows) - 1 > MAX_IMPORT_ROWS:
        raise InvalidInput(
            _("The file has too many lines (at most %(n)d).") % {"n": MAX_IMPORT_ROWS},
            code="invalid_file",
        )
    currencies = {c.pk: c for c in Currency.objects.all()}
    parsed: dict[tuple[str, dt.date], Decimal] = {}
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            if len(row) < 3:
                raise InvalidInput(_("Enter the day as YYYY-MM-DD."))
            day = check_day(row[0])
            currency = currencies.get(row[1].strip().upper()) or check_currency(row[1])
            if currency.pk == home.pk:
                continue  # the own currency's rate is always 1
            rate = check_rate(row[2])
        except InvalidInput as error:
            raise InvalidInput(
                _("Line %(n)d: %(error)s") % {"n": number, "error": error.message},
                code=error.code,
            ) from None
        parsed[(currency.pk, day)] = rate

    def unit() -> int:
        now = timezone.now()
        for (code, day), rate in sorted(parsed.items()):
            ExchangeRate.objects.update_or_create(
                organisation=organisation,
                currency_id=code,
                day=day,
                defaults={"rate": rate, "entered_by": by, "entered_at": now},
            )
        return len(parsed)

    return in_transaction(unit)


@dataclass(frozen=True)
class RateUsed:
    """The rate a report used for a currency: its value and the day it was entered for."""

    currency: str
    rate: Decimal
    day: dt.date | None  # None for the organisation's own currency

    @property
    def shown(self) -> str:
        """The rate as entered, without trailing zeros (387.5, not 387.50000000)."""
        return format(self.rate.normalize(), "f")


def rate_on(
    organisation_id: int, currency: str, day: dt.date, *, home: Currency | None = None
) -> RateUsed | None:
    """The latest rate of `currency` entered for a day on or before `day` (None if none);
    `home`, the organisation's currency, when the caller has it already."""
    if currency == (home or home_currency(organisation_id)).pk:
        return RateUsed(currency, Decimal(1), None)
    row = (
        ExchangeRate.objects.filter(organisation_id=organisation_id, currency_id=currency)
        .filter(day__lte=day)
        .order_by("-day")
        .first()
    )
    return RateUsed(currency, row.rate, row.day) if row else None


def set_item_value(*, organisation: Organisation, item: Item, value: object, by) -> ItemValue:
    """The organisation's estimated value of one unit of an item, in its own currency."""
    require_money(by, organisation.pk)
    if not isinstance(item, Item):
        raise InvalidInput(_("Choose an item."), code="unknown_item", field="item")
    currency = home_currency(organisation.pk)
    minor = check_amount(value, currency, field="value", allow_zero=True)

    def unit() -> ItemValue:
        row, _created = ItemValue.objects.update_or_create(
            organisation=organisation,
            item=item,
            defaults={
                "unit_value": minor,
                "currency": currency,
                "updated_by": by,
                "updated_at": timezone.now(),
            },
        )
        return row

    return in_transaction(unit)
