"""`kamavor plan USERNAME ORGANISATION [--point SLUG] [--accept]`: run a plan from the console.

For a network's nightly plan or a script: the user is the coordinator it is run as (their role
decides whether they may), the organisation and point are given by their short names.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from kamavor.allocation import services
from kamavor.core.errors import KamavorError
from kamavor.network.models import Organisation, Point


class Command(BaseCommand):
    help = "Run a fair allocation plan for an organisation (or one of its points) and print it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="the coordinator the plan is run as")
        parser.add_argument("organisation", help="the organisation's short name")
        parser.add_argument("--point", default="", help="one point's short name (default: all)")
        parser.add_argument("--accept", action="store_true", help="accept the plan as well")

    def handle(self, *args, username: str, organisation: str, point: str, accept: bool, **_):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        org = Organisation.objects.filter(slug=organisation).first()
        if user is None or org is None:
            raise CommandError("No such active user or organisation.")
        where = None
        if point:
            where = Point.objects.filter(slug=point, organisation=org).first()
            if where is None:
                raise CommandError(f"No point {point!r} in {org.slug}.")
        try:
            plan = services.run_plan(organisation=org, point=where, by=user)
            if accept:
                plan = services.accept_plan(plan=plan, by=user)
        except PermissionDenied:
            raise CommandError(f"{username} may not run plans for {org.slug}.") from None
        except KamavorError as error:
            raise CommandError(error.message) from None
        s = plan.summary
        self.stdout.write(
            f"plan #{plan.pk} ({plan.status}): {s['planned']} of {s['wanted']} units for "
            f"{s['needs']} need lines, lowest coverage {100 * s['lowest']:.0f} %, "
            f"{len(s['shortages'])} items short, {len(s['transfers'])} transfers, "
            f"engine {plan.seconds:.2f} s"
        )
