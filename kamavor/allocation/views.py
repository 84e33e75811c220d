"""Coordinators' pages: run a plan, read its coverage and shortages, accept it, pick lists, and
why a household got what it got."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kamavor.allocation import services
from kamavor.allocation.access import (
    get_group_for,
    get_link_for,
    get_plan_for,
    get_size_rule_for,
    planning_organisations,
)
from kamavor.allocation.forms import GroupForm, LinkForm, RunForm, SizeRuleForm
from kamavor.allocation.inputs import NO_FLAGS, SHELTER
from kamavor.allocation.models import (
    Plan,
    PlanLine,
    PlanPick,
    PointLink,
    SizeSubstitute,
    SubstituteGroup,
)
from kamavor.catalogue.models import Item
from kamavor.core.errors import KamavorError
from kamavor.households import access as households_access
from kamavor.households.models import VULNERABILITIES
from kamavor.lib import household_codes
from kamavor.needs.models import Request
from kamavor.network.access import Action
from kamavor.network.models import Point

GROUP_LABELS = {
    **dict(VULNERABILITIES),
    NO_FLAGS: gettext_lazy("no vulnerability flag"),
    SHELTER: gettext_lazy("shelters"),
}
RECENT_PLANS = 20


def _percent(planned: int, wanted: int) -> int:
    return round(100 * planned / wanted) if wanted else 100


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    """Recent plans, and the form that runs a new one."""
    organisations = planning_organisations(request.user)
    if not organisations:
        raise PermissionDenied
    form = RunForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        organisation = next(o for o in organisations if o.pk == form.cleaned_data["organisation"])
        try:
            plan = services.run_plan(
                organisation=organisation,
                point=form.cleaned_data["point"],
                weights=form.weights(),
                by=request.user,
            )
        except KamavorError as error:
            messages.error(request, error.message)
        else:
            return redirect("allocation:plan", plan_id=plan.pk)
    recent = (
        Plan.objects.of_organisations([o.pk for o in organisations])
        .select_related("organisation", "point", "created_by")
        .order_by("-created_at", "-pk")[:RECENT_PLANS]
    )
    return render(request, "allocation/plans.html", {"form": form, "plans": list(recent)})


def _rows(totals: dict, labels: dict) -> list[dict]:
    rows = [
        {"key": key, "label": labels.get(key, key), "wanted": w, "planned": p}
        for key, (w, p) in totals.items()
    ]
    for row in rows:
        row["percent"] = _percent(row["planned"], row["wanted"])
    return sorted(rows, key=lambda r: (r["percent"], str(r["label"])))


def _weights(weights: dict) -> list[tuple[str, float]]:
    flags = weights.get("flags", {})
    urgency = weights.get("urgency", {})
    return [(label, flags.get(name, 0)) for name, label in VULNERABILITIES] + [
        (label, urgency.get(value, 1)) for value, label in Request.Urgency.choices
    ]


@login_required
def plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Coverage per item and per vulnerability group, shortages, transfers, pick lists."""
    plan_ = get_plan_for(request.user, plan_id)
    summary = plan_.summary
    item_ids = {int(k) for k in summary.get("items", {})}
    item_ids |= {t[2] for t in summary.get("transfers", [])}
    items = Item.objects.in_bulk(item_ids)
    names = {str(pk): item.name for pk, item in items.items()}
    transfers = summary.get("transfers", [])
    points = Point.objects.in_bulk({p for t in transfers for p in t[:2]})
    picks_by_point = (
        PlanPick.objects.filter(line__plan=plan_)
        .values("lot__point_id", "lot__point__name")
        .annotate(units=Sum("quantity"))
        .order_by("lot__point__name")
    )
    return render(
        request,
        "allocation/plan.html",
        {
            "plan": plan_,
            "summary": summary,
            "percent": _percent(summary.get("planned", 0), summary.get("wanted", 0)),
            "lowest": round(100 * summary.get("lowest", 1.0)),
            "items": _rows(summary.get("items", {}), names),
            "groups": _rows(summary.get("groups", {}), GROUP_LABELS),
            "shortages": [(names.get(str(i), i), n) for i, n in summary.get("shortages", [])],
            "transfers": [
                (points.get(a), points.get(b), items.get(i), q) for a, b, i, q in transfers
            ],
            "pick_points": list(picks_by_point),
            "documents": services.transfer_documents(plan_),
            "may_accept": plan_.status == Plan.Status.DRAFT,
            "weights": _weights(plan_.weights),
        },
    )


@require_POST
@login_required
def accept(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan_ = get_plan_for(request.user, plan_id)
    try:
        services.accept_plan(plan=plan_, by=request.user)
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Plan accepted: pick lists and draft transfers are ready."))
    return redirect("allocation:plan", plan_id=plan_.pk)


@login_required
def pick_list(request: HttpRequest, plan_id: int, point_id: int) -> HttpResponse:
    """What to take from which lot at one point, for whom (households by code, shelters, or a
    transfer to another point)."""
    plan_ = get_plan_for(request.user, plan_id)
    point = Point.objects.filter(pk=point_id, organisation_id=plan_.organisation_id).first()
    if point is None:
        raise Http404
    picks = (
        PlanPick.objects.filter(line__plan=plan_, lot__point=point)
        .select_related("lot__item", "line__household", "line__shelter", "line__point")
        .order_by("lot__item__name_en", "lot__expiry", "lot_id", "line_id")
    )
    return render(
        request, "allocation/pick_list.html", {"plan": plan_, "pick_point": point, "picks": picks}
    )


@login_required
def find_household(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan_ = get_plan_for(request.user, plan_id)
    code = household_codes.normalise(request.GET.get("code", ""))
    if not code:
        return redirect("allocation:plan", plan_id=plan_.pk)
    return redirect("allocation:explain", plan_id=plan_.pk, code=code)


def _explanation(line: PlanLine, weights: dict) -> str:
    if line.limit == PlanLine.Limit.FULL:
        return _("It got all it needed.")
    if line.limit == PlanLine.Limit.NO_STOCK:
        return _("No stock of this item could reach %(point)s.") % {"point": line.point.name}
    base = min(1.0, line.level or 0.0)
    return _(
        "Stock of this item within reach was short, so every need for it was raised to the same "
        "weighted level: a need of weight 1 got %(base)s%% of what it needed, this one (weight "
        "%(weight)s) %(share)s%%, or %(units)s units; whole units are handed out, so it gets "
        "%(planned)s."
    ) % {
        "base": round(100 * base),
        "weight": f"{line.weight:g}",
        "share": round(100 * line.share / line.wanted),
        "units": f"{line.share:.2f}",
        "planned": line.planned,
    }


@login_required
def explain(request: HttpRequest, plan_id: int, code: str) -> HttpResponse:
    """What the household got in this plan and why: its weight, its share, what limited it."""
    plan_ = get_plan_for(request.user, plan_id)
    try:
        household = households_access.get_household_for(request.user, code, Action.PLAN)
    except KamavorError:
        raise Http404 from None
    if household.organisation_id != plan_.organisation_id:
        raise Http404
    lines = list(
        plan_.lines.filter(household=household)
        .select_related("item", "point")
        .prefetch_related("picks__lot__point")
        .order_by("pk")
    )
    flag_weights = plan_.weights.get("flags", {})
    flags = [
        (label, flag_weights.get(name, 0))
        for name, label in VULNERABILITIES
        if getattr(household, name)
    ]
    rows = [
        {
            "line": line,
            "percent": _percent(line.planned, line.wanted),
            "why": _explanation(line, plan_.weights),
        }
        for line in lines
    ]
    return render(
        request,
        "allocation/explain.html",
        {"plan": plan_, "household": household, "flags": flags, "rows": rows},
    )


# ---------------------------------------------------------------- substitute groups


@login_required
def groups(request: HttpRequest) -> HttpResponse:
    """Substitute groups: items a plan may hand out for one another; and size substitute rules:
    which sizes may meet a need for a size."""
    organisations = planning_organisations(request.user)
    if not organisations:
        raise PermissionDenied
    sizes_posted = request.method == "POST" and "sizes-size" in request.POST
    form = GroupForm(
        request.POST if request.method == "POST" and not sizes_posted else None,
        organisations=organisations,
    )
    size_form = SizeRuleForm(request.POST if sizes_posted else None, organisations=organisations)
    if sizes_posted and size_form.is_valid():
        data = size_form.cleaned_data
        try:
            services.set_size_substitute(
                organisation=next(o for o in organisations if o.pk == data["organisation"]),
                item=data["item"],
                category=data["category"],
                size=data["size"],
                substitutes=data["substitutes"],
                by=request.user,
            )
        except KamavorError as error:
            field = error.field if error.field in size_form.fields else None
            size_form.add_error(field, error.message)
        else:
            messages.success(request, _("Size rule saved."))
            return redirect("allocation:groups")
    if request.method == "POST" and not sizes_posted and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_substitute_group(
                organisation=next(o for o in organisations if o.pk == data["organisation"]),
                names={lang: data[f"name_{lang}"] for lang in services.LANGUAGES},
                items=list(data["items"]),
                by=request.user,
            )
        except KamavorError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Substitute group saved."))
            return redirect("allocation:groups")
    existing = (
        SubstituteGroup.objects.filter(organisation__in=organisations)
        .select_related("organisation")
        .prefetch_related("items")
        .order_by("organisation__name", "name_en", "pk")
    )
    rules = (
        SizeSubstitute.objects.filter(organisation__in=organisations)
        .select_related("organisation", "item", "category")
        .order_by("organisation__name", "item__name_en", "category__name_en", "size", "pk")
    )
    return render(
        request,
        "allocation/groups.html",
        {"form": form, "groups": list(existing), "size_form": size_form, "rules": list(rules)},
    )


@require_POST
@login_required
def delete_group(request: HttpRequest, group_id: int) -> HttpResponse:
    services.delete_substitute_group(group=get_group_for(request.user, group_id), by=request.user)
    messages.success(request, _("Substitute group deleted."))
    return redirect("allocation:groups")


@require_POST
@login_required
def delete_size_rule(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_size_rule_for(request.user, rule_id)
    services.delete_size_substitute(rule=rule, by=request.user)
    messages.success(request, _("Size rule deleted."))
    return redirect("allocation:groups")


# ---------------------------------------------------------------- transfer links


@login_required
def links(request: HttpRequest) -> HttpResponse:
    """Which points may exchange stock in a network plan."""
    organisations = planning_organisations(request.user)
    if not organisations:
        raise PermissionDenied
    form = LinkForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            services.link_points(
                a=form.points[form.cleaned_data["point_a"]],
                b=form.points[form.cleaned_data["point_b"]],
                by=request.user,
            )
        except KamavorError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Transfer link saved."))
            return redirect("allocation:links")
    existing = (
        PointLink.objects.filter(organisation__in=organisations)
        .select_related("point_a", "point_b", "organisation")
        .order_by("organisation__name", "point_a__name", "point_b__name")
    )
    return render(request, "allocation/links.html", {"form": form, "links": list(existing)})


@require_POST
@login_required
def delete_link(request: HttpRequest, link_id: int) -> HttpResponse:
    services.unlink_points(link=get_link_for(request.user, link_id), by=request.user)
    messages.success(request, _("Transfer link deleted."))
    return redirect("allocation:links")
