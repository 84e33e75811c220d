"""Who may see and do what. Every view and API endpoint goes through these helpers.

A member sees the points of their own organisations; anything else is a 404, as if it did not
exist. What they may do there depends on their role.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404

from kamavor.core import rows
from kamavor.core.numbers import MAX_ID
from kamavor.network.models import Member, Organisation, Point


class Action(StrEnum):
    VIEW_STOCK = "view_stock"
    INTAKE = "intake"
    PURCHASE = "purchase"
    SEND_TRANSFER = "send_transfer"
    RECEIVE_TRANSFER = "receive_transfer"
    COUNT = "count"
    DISPOSE = "dispose"
    BUILD_KIT = "build_kit"
    REVERSE = "reverse"
    MANAGE_CATALOGUE = "manage_catalogue"
    DISTRIBUTE = "distribute"
    VIEW_HOUSEHOLD = "view_household"
    REGISTER_HOUSEHOLD = "register_household"
    EDIT_HOUSEHOLD = "edit_household"
    VIEW_PERSONAL_DATA = "view_personal_data"
    MERGE_HOUSEHOLDS = "merge_households"
    READ_AUDIT = "read_audit"
    VIEW_REQUESTS = "view_requests"
    REQUEST_FOR_HOUSEHOLD = "request_for_household"
    REQUEST_FOR_SHELTER = "request_for_shelter"
    CONFIRM_DELIVERY = "confirm_delivery"
    MANAGE_SHIFTS = "manage_shifts"  # shifts, rosters and volunteers' contact data
    PUBLISH_NEEDS = "publish_needs"  # the public page and its "needed now" lines
    PLAN = "plan"  # run and accept allocation plans (coordinators and admins)
    LOCK_DOWN = "lock_down"  # end every session and token of the organisation's members
    REVIEW_FIELD_DATA = "review_field_data"  # decide on field submissions that failed a rule
    IMPORT_DATA = "import_data"  # post spreadsheets (catalogue, points, standards, households)
    HANDLE_MONEY = "handle_money"  # see and post funds and money (kamavor.money.access)


_ALL = frozenset(Action)
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Member.Role.ADMIN: _ALL,
    # The audit log of personal data is read by admins, not by those it watches; locking
    # everyone out is an admin's call.
    Member.Role.COORDINATOR: _ALL - {Action.READ_AUDIT, Action.LOCK_DOWN},
    # Volunteers work the desks; money, losses, stock corrections and other people's
    # postings are a coordinator's call.
    Member.Role.VOLUNTEER: frozenset(
        {
            Action.VIEW_STOCK,
            Action.INTAKE,
            Action.RECEIVE_TRANSFER,
            Action.BUILD_KIT,
            Action.REVERSE,  # only their own recent postings: see stock.services.can_reverse
            Action.DISTRIBUTE,  # hand goods to households at the distribution desk
            # Households: they register and serve them, but never see personal fields.
            Action.VIEW_HOUSEHOLD,
            Action.REGISTER_HOUSEHOLD,
            Action.VIEW_REQUESTS,
            Action.REQUEST_FOR_HOUSEHOLD,
        }
    ),
    # A partner asks for its organisation's shelters, sees only those requests, and confirms
    # what was delivered to them.
    Member.Role.PARTNER: frozenset(
        {Action.VIEW_REQUESTS, Action.REQUEST_FOR_SHELTER, Action.CONFIRM_DELIVERY}
    ),
    # A treasurer keeps the money (kamavor.money.access decides what of it); of stock, they see
    # it and buy goods with a fund's money.
    Member.Role.TREASURER: frozenset({Action.VIEW_STOCK, Action.PURCHASE, Action.HANDLE_MONEY}),
}


# Roles that may do any of these see personal data (households', volunteers' contact data,
# donors' names): their members must sign in with a second factor.
SECOND_FACTOR_ACTIONS = frozenset(
    {Action.VIEW_PERSONAL_DATA, Action.MANAGE_SHIFTS, Action.HANDLE_MONEY}  # donors' names
)


def needs_second_factor(user) -> bool:
    """Whether the user must sign in with a second factor: a superuser, or a member of a role
    that sees personal data in any organisation. Reads the roles cached on the user."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(
        ROLE_ACTIONS.get(role, frozenset()) & SECOND_FACTOR_ACTIONS
        for role in _roles(user).values()
    )


def role_at(user, organisation_id: int) -> str | None:
    """The user's role in an organisation, or None when they are not a member."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Member.Role.ADMIN
    return _roles(user).get(organisation_id)


def _roles(user) -> dict[int, str]:
    """The user's role per organisation, read once per request (cached on the user object)."""
    cache = getattr(user, "_kamavor_roles", None)
    if cache is None:
        cache = dict(Member.objects.filter(user=user).values_list("organisation_id", "role"))
        user._kamavor_roles = cache
    return cache


def remember_roles(user, roles: dict[int, str]) -> None:
    """Give the user the roles read along with them (by the API's token lookup), so that
    role_at asks the database no more for this request."""
    user._kamavor_roles = dict(roles)


def may(user, organisation_id: int, action: Action) -> bool:
    role = role_at(user, organisation_id)
    return role is not None and action in ROLE_ACTIONS.get(role, frozenset())


def get_point_for(user, point_id, action: Action = Action.VIEW_STOCK) -> Point:
    """The point, if the user may see it (else 404) and do `action` there (else 403)."""
    try:
        point = _point_with_organisation(int(point_id))
    except (TypeError, ValueError):
        raise Http404 from None
    if point is None:
        raise Http404
    role = role_at(user, point.organisation_id)
    if role is None:
        raise Http404
    if action not in ROLE_ACTIONS.get(role, frozenset()):
        raise PermissionDenied
    return point


def _point_with_organisation(point_id: int) -> Point | None:
    """The point with its organisation, as select_related reads them, in one hand-written
    SELECT (every desk request reads its point: the ORM's compilation cost more than the
    statement)."""
    if not 0 < point_id <= MAX_ID:
        return None
    sql = (
        f"SELECT {rows.columns(Point, 'p')}, {rows.columns(Organisation, 'o')} "
        f"FROM {rows.table(Point)} p JOIN {rows.table(Organisation)} o "
        "ON o.id = p.organisation_id WHERE p.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [point_id])
        row = cursor.fetchone()
    if row is None:
        return None
    point = rows.instance(Point, row)
    rows.related(point, "organisation", rows.instance(Organisation, row, rows.width(Point)))
    return point


def points_for(user, action: Action = Action.VIEW_STOCK):
    """Active points where the user may do `action`, ordered for a picker."""
    points = Point.objects.for_user(user).active().select_related("organisation")
    return [p for p in points if may(user, p.organisation_id, action)]


def organisations_for(user) -> list[int]:
    if user.is_superuser:
        from kamavor.network.models import Organisation

        return list(Organisation.objects.values_list("pk", flat=True))
    if not user.is_authenticated:
        return []
    return list(_roles(user))
