"""The desks' page frame: which point a member is at, their role there, and the tabs they get.

Every desk page shows the same frame, so a member never loses their point: pages that belong
to no point (households, requests, plans, the catalogue) keep the point the member last worked
at (remembered in a cookie), else their first point. The few tabs a role uses all day are
shown; the rest wait in a menu. Links are built from URL names only, so this module imports no
app above the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kamavor.network.access import ROLE_ACTIONS, Action, points_for
from kamavor.network.models import Member, Point

# The point a member last worked at, for pages that belong to no point. A cookie rather than
# the session: remembering it costs no database write, and it is only a hint, checked against
# the member's points every time.
COOKIE = "kamavor_point"


@dataclass(frozen=True)
class Tab:
    """A place in the desks: its label, URL name and the action a member needs to see it."""

    key: str
    label: str | Promise
    url_name: str
    action: Action | None
    at_point: bool = True
    # Beginnings of the view names ("namespace:name") that light this tab up.
    match: tuple[str, ...] = ()


TABS = [
    Tab("intake", _("Intake"), "stock:intake", Action.INTAKE, match=("stock:intake",)),
    Tab(
        "stock",
        _("Stock"),
        "stock:point_stock",
        Action.VIEW_STOCK,
        match=("stock:point_stock", "stock:point_item", "stock:expiry", "stock:lot"),
    ),
    Tab("distribution", _("Distribution"), "distribution:desk", Action.DISTRIBUTE,
        match=("distribution:desk", "distribution:visit", "distribution:add",
               "distribution:post", "distribution:cancel", "distribution:receipt")),
    Tab("households", _("Households"), "households:index", Action.VIEW_HOUSEHOLD,
        at_point=False, match=("households:",)),
    Tab("shifts", _("Shifts"), "volunteers:shifts", Action.MANAGE_SHIFTS,
        match=("volunteers:shifts", "volunteers:repeat", "volunteers:roster",
               "volunteers:write", "volunteers:cancel", "volunteers:stop")),
    Tab("sorting", _("Sorting"), "sorting:desk", Action.INTAKE, match=("sorting:",)),
    Tab("transfers", _("Transfers"), "stock:transfers", Action.VIEW_STOCK,
        match=("stock:transfer",)),
    Tab("counts", _("Counts"), "stock:counts", Action.VIEW_STOCK, match=("stock:count",)),
    Tab("kits", _("Kits"), "stock:kits", Action.VIEW_STOCK, match=("stock:kit",)),
    Tab("catalogue", _("Catalogue"), "catalogue:items", Action.VIEW_STOCK, at_point=False,
        match=("catalogue:",)),
    Tab("requests", _("Requests"), "needs:requests", Action.VIEW_REQUESTS, at_point=False,
        match=("needs:requests", "needs:household_request", "needs:shelter_request",
               "needs:cancel")),
    Tab("deliveries", _("Shelter deliveries"), "distribution:deliveries", Action.SEND_TRANSFER,
        match=("distribution:deliver", "distribution:delivery")),
    Tab("in_transit", _("Deliveries"), "distribution:shelter_deliveries", None, at_point=False,
        match=("distribution:shelter_deliveries",)),
    Tab("shelters", _("Shelters"), "shelters:index", Action.REQUEST_FOR_SHELTER,
        at_point=False, match=("shelters:",)),
    Tab("plans", _("Plans"), "allocation:plans", Action.PLAN, at_point=False,
        match=("allocation:",)),
    Tab("standards", _("Standards"), "needs:standards", Action.PLAN, at_point=False,
        match=("needs:standards",)),
    Tab("volunteers", _("Volunteers"), "volunteers:hours", Action.MANAGE_SHIFTS,
        match=("volunteers:hours",)),
    Tab("public", _("Public page"), "public_desk:page", Action.PUBLISH_NEEDS,
        match=("public_desk:",)),
    Tab("offline", _("Offline writes to decide"), "offline:review", Action.PLAN,
        match=("offline:",)),
    Tab("field", _("Field data"), "exchange:queue", Action.REVIEW_FIELD_DATA, at_point=False,
        match=("exchange:",)),
    Tab("money", _("Money"), "money:index", Action.HANDLE_MONEY, at_point=False,
        match=("money:",)),
    Tab("all_stock", _("Stock at all my points"), "stock:organisation_stock", Action.VIEW_STOCK,
        at_point=False, match=("stock:organisation_stock",)),
    Tab("dashboard", _("Dashboard"), "reports:point_dashboard", Action.PLAN,
        match=("reports:point_dashboard", "reports:organisation_dashboard",
               "reports:network_dashboard")),
]  # fmt: skip
TABS_BY_KEY = {tab.key: tab for tab in TABS}

# The tabs each role works with all day; every other tab it may see goes into the menu.
PRIMARY: dict[str, tuple[str, ...]] = {
    Member.Role.VOLUNTEER: ("intake", "stock", "distribution", "households"),
    Member.Role.COORDINATOR: ("intake", "stock", "distribution", "households", "shifts"),
    Member.Role.ADMIN: ("intake", "stock", "distribution", "households", "shifts"),
    Member.Role.PARTNER: ("requests", "in_transit"),
    Member.Role.TREASURER: ("money", "stock"),
}


@dataclass
class Link:
    key: str
    label: str | Promise
    url: str
    current: bool


@dataclass
class Frame:
    """What the frame shows: the point, the member's role there, tabs and menu links."""

    point: Point | None
    role: str | None
    points: list[Point]
    tabs: list[Link] = field(default_factory=list)
    menu: list[Link] = field(default_factory=list)
    switch: list[Link] = field(default_factory=list)

    @property
    def role_label(self) -> str:
        return str(Member.Role(self.role).label) if self.role else ""

    @property
    def menu_current(self) -> bool:
        return any(link.current for link in self.menu)


def _url(tab: Tab, point: Point | None) -> str | None:
    try:
        if tab.at_point:
            return reverse(tab.url_name, kwargs={"point_id": point.pk}) if point else None
        return reverse(tab.url_name)
    except NoReverseMatch:  # an app that is not installed
        return None


def _matches(tab: Tab, view_name: str) -> bool:
    return any(view_name.startswith(prefix) for prefix in tab.match)


def _switch_url(request: HttpRequest, point: Point) -> str:
    """The same page at another point when the page is a point's own, else its intake desk."""
    match = request.resolver_match
    if match and set(match.kwargs) == {"point_id"}:
        try:
            return reverse(match.view_name, kwargs={"point_id": point.pk})
        except NoReverseMatch:
            pass
    return reverse("stock:intake", kwargs={"point_id": point.pk})


def frame_for(request: HttpRequest, points: list[Point] | None = None) -> Frame | None:
    """The frame of a signed-in member's page (None for anonymous visitors). `points` are the
    member's points when the caller has them already (no second query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    points = points_for(user) if points is None else points
    roles: dict[int, str] = getattr(user, "_kamavor_roles", None) or {}
    by_id = {p.pk: p for p in points}
    match = request.resolver_match
    wanted = None
    if match is not None and "point_id" in match.kwargs:
        wanted = _as_int(match.kwargs["point_id"])
    if wanted not in by_id:
        wanted = _as_int(request.COOKIES.get(COOKIE))
    point = by_id.get(wanted) or (points[0] if points else None)
    if point is not None and request.COOKIES.get(COOKIE) != str(point.pk):
        request.kamavor_point = point.pk  # RememberPointMiddleware sets the cookie
    if user.is_superuser:
        role = Member.Role.ADMIN
    elif point is not None:
        role = roles.get(point.organisation_id)
    else:  # a partner, who works at no point: their role in their first organisation
        role = next(iter(roles.values()), None)
    frame = Frame(point=point, role=role, points=points)
    allowed = ROLE_ACTIONS.get(role, frozenset()) if role else frozenset()
    view_name = match.view_name if match else ""
    primary = PRIMARY.get(role, ())
    for tab in TABS:
        if tab.action is not None and tab.action not in allowed:
            continue
        url = _url(tab, point)
        if url is None:
            continue
        link = Link(tab.key, tab.label, url, _matches(tab, view_name))
        (frame.tabs if tab.key in primary else frame.menu).append(link)
    frame.tabs.sort(key=lambda link: primary.index(link.key))
    if len(points) > 1:
        frame.switch = [
            Link(str(p.pk), p.tr.name, _switch_url(request, p), p == point) for p in points
        ]
    return frame


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class RememberPointMiddleware:
    """Remember (in a cookie) the point whose page the member last saw."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        point_id = getattr(request, "kamavor_point", None)
        if point_id is not None:
            response.set_cookie(
                COOKIE,
                str(point_id),
                max_age=90 * 24 * 3600,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
