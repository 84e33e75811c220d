"""The reports app's one change of state: publishing (or hiding) an organisation's accounts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from kamavor.network.access import Action, may
from kamavor.network.models import Organisation
from kamavor.reports.models import PublicAccounts


def set_public_accounts(*, organisation: Organisation, published: bool, by) -> PublicAccounts:
    """Show or hide the organisation's public accounts page; a coordinator's or admin's call
    (those who publish the organisation's needs)."""
    if not may(by, organisation.pk, Action.PUBLISH_NEEDS):
        raise PermissionDenied
    with transaction.atomic():
        accounts, _created = PublicAccounts.objects.select_for_update().get_or_create(
            organisation=organisation, defaults={"changed_by": by, "published": published}
        )
        accounts.published = published
        accounts.changed_by = by
        accounts.changed_at = timezone.now()
        accounts.save(update_fields=["published", "changed_by", "changed_at"])
    return accounts
