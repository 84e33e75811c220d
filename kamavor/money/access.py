"""Who may see and post money: coordinators, administrators and treasurers of the organisation.

One helper per object kind. A fund (or record) of an organisation the user is not a member of
is a 404, as if it did not exist; a member whose role does not handle money (a volunteer, a
partner) is refused with 403. Advances, which let a fund go below zero, are a coordinator's or an
administrator's call, not a treasurer's.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kamavor.money.models import Fund, Record
from kamavor.network.access import ROLE_ACTIONS, Action, may, organisations_for, role_at
from kamavor.network.models import Member, Organisation

ADVANCE_ROLES = frozenset({Member.Role.ADMIN, Member.Role.COORDINATOR})


def handles_money(user, organisation_id: int) -> bool:
    """Whether the user sees and posts the organisation's money."""
    return may(user, organisation_id, Action.HANDLE_MONEY)


def may_record_advance(user, organisation_id: int) -> bool:
    return role_at(user, organisation_id) in ADVANCE_ROLES


def require_money(user, organisation_id: int) -> None:
    """404 for an organisation the user is not in, 403 for a role that does not handle money."""
    role = role_at(user, organisation_id)
    if role is None:
        raise Http404
    if Action.HANDLE_MONEY not in ROLE_ACTIONS.get(role, frozenset()):
        raise PermissionDenied


def money_organisations(user) -> list[Organisation]:
    """The organisations whose money the user handles, by name."""
    ids = [pk for pk in organisations_for(user) if handles_money(user, pk)]
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def get_organisation_for(user, organisation_id) -> Organisation:
    try:
        organisation = Organisation.objects.get(pk=int(organisation_id))
    except (Organisation.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None
    require_money(user, organisation.pk)
    return organisation


def funds_for(user):
    """Funds of the organisations whose money the user handles."""
    ids = [pk for pk in organisations_for(user) if handles_money(user, pk)]
    return Fund.objects.filter(organisation_id__in=ids)


def get_fund_for(user, fund_id) -> Fund:
    """The fund, if the user may see it (else 404) and handles money there (else 403)."""
    try:
        fund = Fund.objects.select_related("currency", "organisation", "fundbalance").get(
            pk=int(fund_id)
        )
    except (Fund.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None
    require_money(user, fund.organisation_id)
    return fund


def get_record_for(user, record_id) -> Record:
    try:
        record = Record.objects.select_related("organisation", "point", "created_by").get(
            pk=int(record_id)
        )
    except (Record.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None
    require_money(user, record.organisation_id)
    return record
