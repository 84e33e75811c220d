"""The money desk: funds and their accounts, money donations with receipts, spending, transfers,
advances, cash counts and handovers, exchange rates and in-kind values.

Each page resolves what the URL names through kamavor.money.access (404 for another
organisation's, 403 for a role that does not handle money) and each form calls one service.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.catalogue.models import Item
from kamavor.core.errors import KamavorError
from kamavor.core.paging import page_of
from kamavor.money import forms, services, values
from kamavor.money.access import (
    get_fund_for,
    get_organisation_for,
    get_record_for,
    may_record_advance,
    money_organisations,
)
from kamavor.money.donors import open_donor
from kamavor.money.models import (
    CashCount,
    CashHandover,
    Entry,
    ExchangeRate,
    Fund,
    ItemValue,
    Method,
    Record,
)
from kamavor.money.reads import cash_on_hand, fund_accounts, organisation_accounts
from kamavor.network.access import organisations_for
from kamavor.network.models import Member, Organisation, Point

RECEIPT_LANGUAGES = ("hy", "ru", "en")


def _funds(organisation: Organisation):
    return Fund.objects.filter(organisation=organisation, active=True).select_related("currency")


def _points(organisation: Organisation):
    return Point.objects.filter(organisation=organisation, active=True).order_by("name")


def _fund_in(organisation: Organisation, fund_id) -> Fund:
    """A fund the form named, of this organisation: anything else is not a choice."""
    fund = _funds(organisation).filter(pk=fund_id).first()
    if fund is None:
        raise KamavorError(_("Choose a fund."), code="unknown_fund", field="fund")
    return fund


def _point_in(organisation: Organisation, point_id) -> Point | None:
    if point_id in (None, ""):
        return None
    point = _points(organisation).filter(pk=point_id).first()
    if point is None:
        raise KamavorError(_("Choose a point."), code="unknown_point", field="point")
    return point


def _write(
    request: HttpRequest,
    form,
    call: Callable[[dict], object],
    done: Callable[[object], str],
    render_again: Callable[[], HttpResponse],
) -> HttpResponse:
    """Validate the form, call the service; on success go to `done(result)`, else show the form
    again with the service's message (nothing was written)."""
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except KamavorError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect(done(result))
    response = render_again()
    response.status_code = 400
    return response


# ---------------------------------------------------------------- overview


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The funds of every organisation whose money the member handles, with their accounts."""
    organisations = money_organisations(request.user)
    if not organisations:
        if organisations_for(request.user):
            raise PermissionDenied
        raise Http404
    sections = []
    for organisation in organisations:
        accounts = organisation_accounts(organisation.pk)
        recent = (
            Record.objects.filter(organisation=organisation)
            .select_related("created_by")
            .order_by("-created_at", "-pk")[:10]
        )
        sections.append(
            {
                "organisation": organisation,
                "accounts": accounts,
                "recent": recent,
                "may_advance": may_record_advance(request.user, organisation.pk),
                "points": _points(organisation),
            }
        )
    return render(request, "money/index.html", {"sections": sections})


@login_required
def fund(request: HttpRequest, fund_id: int) -> HttpResponse:
    """A fund: its accounts and its entries, newest first."""
    found = get_fund_for(request.user, fund_id)
    entries = (
        Entry.objects.filter(fund=found)
        .select_related("record", "record__created_by", "fund__currency")
        .order_by("-at", "-pk")
    )
    page, query = page_of(request, entries, 50)
    return render(
        request,
        "money/fund.html",
        {"fund": found, "accounts": fund_accounts(found), "page": page, "page_query": query},
    )


@login_required
def fund_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, organisation_id)
    form = forms.FundForm(request.POST or None, initial={"currency": "AMD", "public": True})
    if request.method != "POST":
        return render(request, "money/form.html", _form_page(organisation, form, _("New fund")))
    return _write(
        request,
        form,
        lambda data: services.create_fund(
            organisation=organisation,
            name=data["name"],
            earmark=data["earmark"],
            currency=data["currency"],
            public=data["public"],
            by=request.user,
        ),
        lambda made: reverse("money:fund", args=[made.pk]),
        lambda: render(request, "money/form.html", _form_page(organisation, form, _("New fund"))),
    )


def _form_page(organisation: Organisation, form, title: str, **extra) -> dict:
    return {"organisation": organisation, "form": form, "title": title, **extra}


# ---------------------------------------------------------------- donations


@login_required
def donation_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Money given: cash at a point, a bank transfer, a card or an online collection."""
    organisation = get_organisation_for(request.user, organisation_id)
    method = request.GET.get("method") if request.GET.get("method") in Method.values else None
    form = _bound(request, forms.DonationForm, method=method or Method.CASH)
    form.fields["fund"].choices = _fund_choices(organisation)
    form.fields["point"].choices = [("", "—")] + [(p.pk, p.tr.name) for p in _points(organisation)]

    def call(data: dict) -> Record:
        chosen = _fund_in(organisation, data["fund"])
        return services.post_money_donation(
            fund=chosen,
            amount=data["amount"],
            currency=data["currency"] or chosen.currency_id,
            method=data["method"],
            point=_point_in(organisation, data["point"]),
            donor=data["donor"],
            note=data["note"],
            by=request.user,
            idempotency_key=data["key"] or None,
        )

    return _record_form(request, organisation, form, _("Money donation"), call)


@login_required
def record(request: HttpRequest, record_id: int) -> HttpResponse:
    """One money record: its entries, the receipt links, and (if not reversed) its reversal."""
    found = get_record_for(request.user, record_id)
    entries = found.entries.select_related("fund__currency").order_by("pk")
    return render(
        request,
        "money/record.html",
        {
            "record": found,
            "entries": entries,
            "reversals": found.reversals.order_by("pk"),
            "form": forms.ReverseForm.fresh(),
            "receipt_languages": RECEIPT_LANGUAGES,
            "reversible": not found.reversed
            and found.kind not in (Record.Kind.REVERSAL, Record.Kind.PURCHASE),
        },
    )


@login_required
def receipt(request: HttpRequest, record_id: int, lang: str) -> HttpResponse:
    """A printable receipt of a money donation, in Armenian, Russian or English."""
    found = get_record_for(request.user, record_id)
    if found.kind != Record.Kind.DONATION or lang not in RECEIPT_LANGUAGES:
        raise Http404
    entry = found.entries.select_related("fund__currency", "fund__organisation").get()
    with translation.override(lang):
        return render(
            request,
            "money/receipt.html",
            {
                "record": found,
                "entry": entry,
                "amount": entry.fund.currency.show(entry.amount),
                "donor": open_donor(record=found, by=request.user),
                "lang": lang,
            },
        )


@login_required
@require_POST
def reverse_record(request: HttpRequest, record_id: int) -> HttpResponse:
    found = get_record_for(request.user, record_id)
    form = forms.ReverseForm(request.POST)
    if form.is_valid():
        try:
            reversal = services.reverse_record(
                record=found,
                reason=form.cleaned_data["reason"],
                by=request.user,
                idempotency_key=form.cleaned_data["key"] or None,
            )
        except KamavorError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Reversed: %(number)s.") % {"number": reversal.number})
    return redirect("money:record", record_id=found.pk)


# ---------------------------------------------------------------- spending, transfers, advances


def _bound(request: HttpRequest, form_class, **fresh):
    """The form filled from the POST, or a fresh one (with a new idempotency key) to show."""
    return form_class(request.POST) if request.method == "POST" else form_class.fresh(**fresh)


def _fund_choices(organisation: Organisation) -> list[tuple[int, str]]:
    return [(f.pk, f"{f.name} ({f.currency_id})") for f in _funds(organisation)]


def _record_form(
    request: HttpRequest,
    organisation: Organisation,
    form,
    title: str,
    call: Callable[[dict], Record],
    **extra,
) -> HttpResponse:
    """A page whose form writes one money record through `call`: shown on GET, written on POST
    (then the record is shown), or shown again with the reason nothing was written."""

    def page() -> HttpResponse:
        return render(request, "money/form.html", _form_page(organisation, form, title, **extra))

    if request.method != "POST":
        return page()
    return _write(request, form, call, lambda r: reverse("money:record", args=[r.pk]), page)


@login_required
def spending_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, organisation_id)
    form = _bound(request, forms.SpendingForm)
    form.fields["fund"].choices = _fund_choices(organisation)
    return _record_form(
        request,
        organisation,
        form,
        _("Spending"),
        lambda data: services.record_spending(
            fund=_fund_in(organisation, data["fund"]),
            amount=data["amount"],
            purpose=data["purpose"],
            by=request.user,
            idempotency_key=data["key"] or None,
        ),
    )


@login_required
def transfer_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, organisation_id)
    form = _bound(request, forms.TransferForm)
    form.fields["source"].choices = _fund_choices(organisation)
    others = (
        Fund.objects.filter(active=True)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )

    def call(data: dict) -> Record:
        destination = Fund.objects.filter(pk=data["destination"], active=True).first()
        if destination is None:
            raise KamavorError(_("Choose a fund to send to."), field="destination")
        return services.transfer_money(
            source=_fund_in(organisation, data["source"]),
            destination=destination,
            amount=data["amount"],
            received=data["received"] or None,
            note=data["note"],
            by=request.user,
            idempotency_key=data["key"] or None,
        )

    return _record_form(
        request, organisation, form, _("Transfer between funds"), call, all_funds=others
    )


@login_required
def advance_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, organisation_id)
    if not may_record_advance(request.user, organisation.pk):
        raise PermissionDenied
    form = _bound(request, forms.AdvanceForm)
    form.fields["fund"].choices = _fund_choices(organisation)
    return _record_form(
        request,
        organisation,
        form,
        _("Advance"),
        lambda data: services.record_advance(
            fund=_fund_in(organisation, data["fund"]),
            amount=data["amount"],
            note=data["note"],
            by=request.user,
            idempotency_key=data["key"] or None,
        ),
    )


# ---------------------------------------------------------------- cash


def _money_people(organisation: Organisation, but) -> list:
    ids = Member.objects.filter(
        organisation=organisation,
        role__in=[Member.Role.ADMIN, Member.Role.COORDINATOR, Member.Role.TREASURER],
    ).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=ids).exclude(pk=but.pk).order_by("username"))


@login_required
def cash(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Cash counts at points (a second person confirms them) and cash handed between people."""
    organisation = get_organisation_for(request.user, organisation_id)
    funds = _fund_choices(organisation)
    count_form = forms.CashCountForm(request.POST if request.POST.get("form") == "count" else None)
    count_form.fields["fund"].choices = funds
    count_form.fields["point"].choices = [(p.pk, p.tr.name) for p in _points(organisation)]
    handover_form = (
        forms.HandoverForm(request.POST)
        if request.POST.get("form") == "handover"
        else forms.HandoverForm.fresh()
    )
    handover_form.fields["fund"].choices = funds
    handover_form.fields["to"].choices = [
        (u.pk, u.get_username()) for u in _money_people(organisation, request.user)
    ]

    def page() -> HttpResponse:
        counts = (
            CashCount.objects.filter(fund__organisation=organisation)
            .select_related("fund__currency", "point", "counted_by", "confirmed_by")
            .order_by("-counted_at")[:30]
        )
        handovers = (
            CashHandover.objects.filter(fund__organisation=organisation)
            .select_related("fund__currency", "handed_by", "received_by")
            .order_by("-at")[:30]
        )
        points = {p.pk: p for p in _points(organisation)}
        on_hand = [row for row in cash_on_hand(organisation.pk) if row.point_id in points]
        for row in on_hand:
            row.point = points[row.point_id]
        return render(
            request,
            "money/cash.html",
            {
                "organisation": organisation,
                "count_form": count_form,
                "handover_form": handover_form,
                "counts": counts,
                "handovers": handovers,
                "on_hand": on_hand,
            },
        )

    here = reverse("money:cash", args=[organisation.pk])
    if request.POST.get("form") == "count":
        return _write(
            request,
            count_form,
            lambda data: services.count_cash(
                fund=_fund_in(organisation, data["fund"]),
                point=_point_in(organisation, data["point"]),
                counted=data["counted"],
                note=data["note"],
                by=request.user,
            ),
            lambda _r: here,
            page,
        )
    if request.POST.get("form") == "handover":
        people = {u.pk: u for u in _money_people(organisation, request.user)}
        return _write(
            request,
            handover_form,
            lambda data: services.hand_over_cash(
                fund=_fund_in(organisation, data["fund"]),
                amount=data["amount"],
                to=people.get(data["to"]),
                note=data["note"],
                by=request.user,
                idempotency_key=data["key"] or None,
            ),
            lambda _r: here,
            page,
        )
    return page()


@login_required
@require_POST
def confirm_count(request: HttpRequest, count_id: int) -> HttpResponse:
    count = CashCount.objects.select_related("fund").filter(pk=count_id).first()
    if count is None:
        raise Http404
    get_fund_for(request.user, count.fund_id)
    try:
        services.confirm_cash_count(count=count, by=request.user)
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The count is confirmed."))
    return redirect("money:cash", organisation_id=count.fund.organisation_id)


# ---------------------------------------------------------------- rates and values


@login_required
def rates(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Exchange rates per day, typed or imported from a CSV file (never fetched)."""
    organisation = get_organisation_for(request.user, organisation_id)
    kind = request.POST.get("form")
    form = forms.RateForm(
        request.POST if kind == "rate" else None, initial={"day": timezone.localdate()}
    )
    file_form = forms.RateFileForm(
        request.POST if kind == "file" else None, request.FILES if kind == "file" else None
    )
    home_form = forms.HomeCurrencyForm(
        request.POST if kind == "home" else None,
        initial={"currency": values.home_currency(organisation.pk).code},
    )
    here = reverse("money:rates", args=[organisation.pk])

    def page() -> HttpResponse:
        rows = ExchangeRate.objects.filter(organisation=organisation).order_by(
            "-day", "currency_id"
        )
        listed, query = page_of(request, rows, 50)
        return render(
            request,
            "money/rates.html",
            {
                "organisation": organisation,
                "form": form,
                "file_form": file_form,
                "home_form": home_form,
                "page": listed,
                "page_query": query,
                "home": values.home_currency(organisation.pk),
            },
        )

    if kind == "rate":
        return _write(
            request,
            form,
            lambda data: values.set_rate(
                organisation=organisation,
                currency=data["currency"],
                day=data["day"],
                rate=data["rate"],
                by=request.user,
            ),
            lambda _r: here,
            page,
        )
    if kind == "home":
        return _write(
            request,
            home_form,
            lambda data: services.set_organisation_currency(
                organisation=organisation, currency=data["currency"], by=request.user
            ),
            lambda _r: here,
            page,
        )
    if kind == "file":

        def imported(data: dict) -> int:
            count = values.import_rates(
                organisation=organisation, text=data["file"], by=request.user
            )
            messages.success(request, _("%(n)d rates imported.") % {"n": count})
            return count

        return _write(request, file_form, imported, lambda _r: here, page)
    return page()


@login_required
def item_values(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The organisation's estimated value of one unit of each item (for in-kind reports)."""
    organisation = get_organisation_for(request.user, organisation_id)
    home = values.home_currency(organisation.pk)
    error = None
    if request.method == "POST":
        form = forms.ItemValueForm(request.POST)
        item = (
            Item.objects.filter(pk=form.data.get("item")).first()
            if str(form.data.get("item", "")).isdigit()
            else None
        )
        if form.is_valid():
            try:
                values.set_item_value(
                    organisation=organisation,
                    item=item,
                    value=form.cleaned_data["value"],
                    by=request.user,
                )
            except KamavorError as refused:
                error = refused.message
            else:
                messages.success(request, _("%(item)s: value saved.") % {"item": item.name})
                return redirect(
                    f"{reverse('money:values', args=[organisation.pk])}?{request.GET.urlencode()}"
                )
        else:
            error = _("Enter the value as a number, such as 1500 or 1500.50.")
    items = Item.objects.active().select_related("category").order_by("category__position", "code")
    query_text = request.GET.get("q", "").strip()[:100]
    if query_text:
        items = items.search(query_text)
    page, query = page_of(request, items, 50)
    known = dict(
        ItemValue.objects.filter(
            organisation=organisation, item__in=[i.pk for i in page]
        ).values_list("item_id", "unit_value")
    )
    rows = [(item, home.show(known[item.pk]) if item.pk in known else "") for item in page]
    response = render(
        request,
        "money/values.html",
        {
            "organisation": organisation,
            "rows": rows,
            "page": page,
            "page_query": query,
            "q": query_text,
            "home": home,
            "error": error,
        },
    )
    if error:
        response.status_code = 400
    return response
