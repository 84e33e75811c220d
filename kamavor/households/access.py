"""Who may see which household: the lookup, the organisation check and the 404 in one place."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from kamavor.core import rows
from kamavor.core.errors import InvalidInput
from kamavor.core.numbers import MAX_ID
from kamavor.households.models import Household
from kamavor.lib import household_codes
from kamavor.network.access import ROLE_ACTIONS, Action, role_at


def check_code(text: str) -> str:
    """The code as stored, or a clear error for a mistyped one (before any lookup)."""
    code = household_codes.normalise(text)
    if not code:
        raise InvalidInput(_("Type or scan a household code."), code="invalid_household_code")
    if len(code) != household_codes.LENGTH or any(
        ch not in household_codes.ALPHABET for ch in code
    ):
        raise InvalidInput(
            _(
                "%(code)s is not a household code: a code has %(n)d characters, like KX4M-7QAT "
                "(letters and the digits 3, 4, 7, 9 only)."
            )
            % {"code": text.strip()[:20], "n": household_codes.LENGTH},
            code="invalid_household_code",
            field="code",
        )
    if not household_codes.is_valid(code):
        raise InvalidInput(
            _(
                "%(code)s has a typing mistake: check each character against the card "
                "(a character mistyped or two swapped)."
            )
            % {"code": household_codes.display(code)},
            code="mistyped_household_code",
            field="code",
        )
    return code


HOUSEHOLD_PAGE = ("organisation", "shelter", "registered_point", "merged_into")


def get_household_for(
    user,
    code_or_id: str | int,
    action: Action = Action.VIEW_HOUSEHOLD,
    *,
    related: tuple[str, ...] = HOUSEHOLD_PAGE,
) -> Household:
    """The household (by int id or by code text), if the user's organisation holds it (else 404) and
    their role allows `action` (else 403). A mistyped code is a 400 with a clear message.
    `related` names what is read along (a household's page shows where it stays, and so on)."""
    # An int is an id; text is always a code (a code may be all digits, like 34797943).
    if isinstance(code_or_id, int):
        lookup = {"pk": int(code_or_id)}
    else:
        lookup = {"code": check_code(str(code_or_id))}
    if related:  # select_related() with no names would follow every relation
        household = Household.objects.select_related(*related).filter(**lookup).first()
    else:  # a desk's hand-out: one hand-written SELECT (kamavor.core.rows)
        column, value = next(iter(lookup.items()))
        if column == "pk" and not 0 < value <= MAX_ID:
            raise Http404
        found = rows.load(Household, f"t.{'id' if column == 'pk' else 'code'} = %s", [value])
        household = found[0] if found else None
    if household is None:
        raise Http404
    role = role_at(user, household.organisation_id)
    if role is None:
        raise Http404
    if action not in ROLE_ACTIONS.get(role, frozenset()):
        raise PermissionDenied
    return household


def households_for(user, action: Action = Action.VIEW_HOUSEHOLD):
    """Households of the organisations where the user may do `action`."""
    from kamavor.network.access import organisations_for

    organisation_ids = [
        org for org in organisations_for(user) if action in ROLE_ACTIONS.get(role_at(user, org), ())
    ]
    return Household.objects.of_organisations(organisation_ids)
