"""Time the money desk's writes and reads, and print the figures.

    .venv/bin/python bench/money.py [--database-url URL] [--funds 20] [--entries 5000]
                                    [--samples 200] [--keep]

Builds a fresh database (a temporary SQLite file, or the PostgreSQL database named in the URL,
created and dropped here) with one organisation, --funds funds and --entries money donations,
spendings and transfers posted through the services, then times on the server side: a money
donation with an idempotency key, its retry, a spending, a transfer between two funds, and the
organisation's accounts (every fund's money in, bought by category and left, converted at the
day's rate). At the end it checks that every fund's balance equals the sum of its entries.
"""
# ruff: noqa: E402  (Django is imported after benchkit.start() names the database)

from __future__ import annotations

import argparse
import contextlib
import itertools
import random
import sys

import benchkit
from benchkit import Timing, say, timed


def add_sizes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--funds", type=int, default=20)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=200)


OPTIONS = benchkit.parse_args(__doc__, sys.argv[1:], add_sizes)
BENCH = benchkit.start(OPTIONS, prefix="kamavor-bench-money-")

from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from kamavor.money import reads, services, values
from kamavor.money.ledger import NotEnoughMoney
from kamavor.money.models import Entry, FundBalance
from kamavor.network.models import Member, Organisation
from tests.factories import make_member


def build(rng: random.Random):
    organisation = Organisation.objects.create(name="Bench Fund", slug="bench-fund")
    by = make_member(organisation, "bench-treasurer", Member.Role.TREASURER)
    funds = [
        services.create_fund(
            organisation=organisation,
            name=f"Fund {n}",
            currency="USD" if n % 5 == 0 else "AMD",
            by=by,
        )
        for n in range(OPTIONS.funds)
    ]
    values.set_rate(organisation=organisation, currency="USD", day="2026-01-01", rate="390", by=by)
    for n in range(OPTIONS.entries):
        fund = rng.choice(funds)
        if n % 4 == 3:
            with contextlib.suppress(NotEnoughMoney):
                services.record_spending(
                    fund=fund, amount=str(rng.randint(1, 500)), purpose="x", by=by
                )
        else:
            services.post_money_donation(
                fund=fund, amount=str(rng.randint(10, 5000)), currency=fund.currency_id,
                method="bank", by=by,
            )  # fmt: skip
    return organisation, by, funds


def quiet(call):
    """The call, answering nothing (timed() reads a dict of parts from what it returns)."""
    return lambda: call() and None


def main() -> None:
    call_command("migrate", verbosity=0)
    rng = random.Random(OPTIONS.seed)
    say(f"building {OPTIONS.funds} funds and {OPTIONS.entries} records …")
    organisation, by, funds = build(rng)
    amd = [f for f in funds if f.currency_id == "AMD"]
    keys = itertools.count()
    samples = OPTIONS.samples
    timings: list[Timing] = []

    def donate(key=None):
        services.post_money_donation(
            fund=amd[0], amount="100", currency="AMD", method="card", by=by, idempotency_key=key
        )

    timings += timed("money donation (new key)", quiet(lambda: donate(f"k{next(keys)}")), samples)
    donate("retried")
    timings += timed("money donation (retry)", quiet(lambda: donate("retried")), samples)
    timings += timed(
        "spending",
        quiet(lambda: services.record_spending(fund=amd[0], amount="1", purpose="x", by=by)),
        samples,
    )
    timings += timed(
        "transfer between funds",
        quiet(
            lambda: services.transfer_money(source=amd[0], destination=amd[1], amount="1", by=by)
        ),
        samples,
    )
    timings += timed(
        "organisation accounts",
        quiet(lambda: reads.organisation_accounts(organisation.pk)),
        samples,
    )
    sums = dict(
        Entry.objects.values("fund_id").annotate(s=Sum("amount")).values_list("fund_id", "s")
    )
    broken = [
        b.fund_id for b in FundBalance.objects.all() if b.amount != (sums.get(b.fund_id) or 0)
    ]
    entries = Entry.objects.count()
    say(f"\nmoney bench on {benchkit.engine()}: {entries:,} entries in {len(funds)} funds")
    verdict = "OK" if not broken else f"BROKEN {broken}"
    say(f"  consistency: {verdict} (every balance = the sum of its entries)")
    say(f"\n  {'operation':<28}{'samples':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for t in timings:
        if t.name.startswith(" "):
            continue
        p50, p95 = t.percentile(50), t.percentile(95)
        say(f"  {t.name:<28}{len(t.samples):>8}{p50:>9.1f}{p95:>9.1f}{max(t.samples):>9.1f}")
    connection.close()


if __name__ == "__main__":
    try:
        main()
    finally:
        BENCH.finish()
