"""An organisation's public accounts (/hy/funds/<organisation>/): for each fund it shows in
public, money in, what was bought by category and what is left, aggregated (nothing about any
donor or person). The figures are kamavor.money's; this face renders them and lets the public
page cache keep the page: a purchase moves the stock ledger, so the page follows it within
FRESH_SECONDS; other money postings reach it within MAX_AGE_SECONDS (kamavor/public/cache.py).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_safe

from kamavor.money.models import Fund
from kamavor.money.reads import organisation_accounts
from kamavor.network.models import Organisation
from kamavor.public.cache import cache_page
from kamavor.public.http import public_page


def accounts_slug(organisation_id: int) -> str | None:
    """The organisation's slug when it shows the accounts of a fund publicly, else None (one
    query): a point's public page then links to its accounts."""
    funds = Fund.objects.filter(organisation_id=organisation_id, public=True)
    return (
        Organisation.objects.filter(pk=organisation_id, pk__in=funds.values("organisation_id"))
        .values_list("slug", flat=True)
        .first()
    )


@require_safe
def accounts(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404
    with translation.override(lang):
        figures = organisation_accounts(organisation.pk, public_only=True)
    context = {"organisation": organisation, "accounts": figures}
    return cache_page(public_page(request, "money/public_accounts.html", context, lang=lang))
