"""Filing households' digests, checking a registration against them, and the batch re-check.

Households calls `file_household` whenever it seals personal data (and `unfile_household` when
it erases or merges it away), `check` before registering, and the command `recheck_households`
runs `recheck` over the registry. The plain values given to these functions are turned into
normal forms and digested at once; only digests are stored, compared or returned.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import multiprocessing
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from kamavor.core.errors import InvalidInput
from kamavor.lib import linkage
from kamavor.lib.sealing import Vault
from kamavor.matching.models import IndexKey, Pair, Profile

__all__ = [
    "EVIDENCE", "HOUSEHOLD_EVIDENCE", "Identity", "Match", "Pair", "Registration", "check",
    "file_household", "file_households", "recheck",
]  # fmt: skip
from kamavor.network.access import Action, may
from kamavor.privacy.sealing import vault

MODEL_FILE = Path(__file__).with_name("model.json")
NAME_KINDS = linkage.COUNTED
MAX_CANDIDATES = 200
COUNT_LIMIT = 5000  # names are counted up to this many households (see _candidates)
TOTAL_TTL = 60.0

EVIDENCE = {
    "phone": _("same phone"),
    "document": _("same identity document"),
    "names": _("names agree"),
    "names_variant": _("names agree across scripts"),
    "names_typo": _("names agree but for a typo"),
    "names_loose": _("names sound alike"),
    "one_name": _("one name agrees"),
    "birth_date": _("birth date agrees"),
    "birth_date_swapped": _("birth date agrees with day and month swapped"),
    "birth_year": _("birth year agrees"),
    "birth_year_near": _("birth years one apart"),
    "sex_differs": _("sex differs"),
    "members": _("other members' names agree"),
    "household": _("household composition agrees"),
    "household_near": _("household composition agrees but for one member"),
    "same_point": _("registered at the same point"),
    "same_week": _("registered within a week of each other"),
    "linked": _("both match the same other household"),
}
# Evidence from the household row itself (composition, point, day), which names no one.
HOUSEHOLD_EVIDENCE = frozenset({"household", "household_near", "same_point", "same_week"})


@dataclass(frozen=True)
class Identity:
    """What helps tell whether two registrations are one person; all optional, all plain
    (given by the service that holds them sealed, never stored as such here)."""

    given: str = ""
    family: str = ""
    birth_date: str = ""
    sex: str = ""
    phone: str = ""
    document: str = ""
    members: Sequence[str] = ()

    @property
    def empty(self) -> bool:
        return not any([self.given, self.family, self.phone, self.document])


@dataclass(frozen=True)
class Registration:
    """What the household itself tells, held in plain on it and naming no one: its composition
    (counts by sex and age band), the point where it registers and when. Compared as they are,
    never stored by this app (they are read from the household)."""

    composition: Mapping[str, int] | None = None
    point_id: int | None = None
    at: dt.datetime | None = None

    def kinds(self) -> linkage.Record:
        """The plain kinds of a record (see linkage.PLAIN_KINDS). The day is compared only
        when the point is known: a household imported from a spreadsheet has neither its
        point nor its day of registration, only the import's."""
        return plain_kinds(self.composition, self.point_id, self.at)


def plain_kinds(
    composition: Mapping[str, int] | None, point_id: int | None, at: dt.datetime | str | None
) -> linkage.Record:
    """The plain kinds as `linkage.person_record` makes them, built directly: this runs for
    every candidate of a check (and SQLite gives the time as text, in UTC)."""
    record: linkage.Record = {}
    if value := linkage.household_value(composition):
        record["household"] = frozenset((value,))
    if point_id is not None:
        record["point"] = frozenset((str(point_id),))
        if isinstance(at, str):
            at = _parse_time(at)
        if at is not None:
            if at.tzinfo is None:
                at = at.replace(tzinfo=dt.UTC)
            record["day"] = frozenset((f"{at.timestamp() / 86400:.2f}",))
    return record


def _parse_time(text: str) -> dt.datetime | None:
    """SQLite's text of a time: ISO, read by the standard library's fast parser first."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return parse_datetime(text)


@dataclass(frozen=True)
class Match:
    """A household that may be the same, its score, and the evidence as codes of EVIDENCE."""

    household_id: int
    score: float
    evidence: tuple[str, ...]
    probable: bool  # above the registration warning's threshold

    @property
    def evidence_labels(self) -> list[str]:
        return [str(EVIDENCE[code]) for code in self.evidence]


@cache
def model() -> linkage.Model:
    """The Fellegi–Sunter model estimated by bench/matching_quality.py --write."""
    return linkage.Model.from_json(json.loads(MODEL_FILE.read_text()))


def _digester(v: Vault) -> Callable[[str], str]:
    """digest("match:" + value), cut to 64 bits (enough to tell keys apart, no more); made
    once per vault, and kept on it (a new key is a new vault)."""
    digest = getattr(v, "_matching_digest", None)
    if digest is None:
        full = v.digester("match:")

        def digest(value: str) -> str:
            return full(value)[:16]

        v._matching_digest = digest  # type: ignore[attr-defined]
    return digest


def keys_for(identity: Identity, v: Vault | None = None) -> tuple[linkage.Record, list[str]]:
    """The digested record of an identity and its filed keys (blocking keys, then one count key
    per name, which is counted for names' frequencies but never looked under)."""
    digest = _digester(v or vault())
    plain = linkage.person_record(
        given=identity.given,
        family=identity.family,
        birth_date=identity.birth_date,
        sex=identity.sex,
        phone=identity.phone,
        document=identity.document,
        members=list(identity.members),
    )
    record = linkage.digest_record(plain, digest)
    keys = sorted({linkage.digest_blocking_key(k, digest) for k in linkage.blocking_keys(plain)})
    keys += [f"count|{value}" for kind in NAME_KINDS for value in sorted(record.get(kind, ()))]
    return record, keys


def file_household(
    *, household_id: int, organisation_id: int, identity: Identity, v: Vault | None = None
) -> None:
    """File (or refile) a household's digests; an empty identity unfiles it."""
    unfile_household(household_id=household_id)
    if identity.empty:
        return
    record, keys = keys_for(identity, v)
    Profile.objects.create(
        household_id=household_id,
        organisation_id=organisation_id,
        keys={kind: sorted(values) for kind, values in record.items()},
    )
    IndexKey.objects.bulk_create(
        IndexKey(household_id=household_id, organisation_id=organisation_id, key=key)
        for key in keys
    )


def file_households(*, entries: Sequence[tuple[int, int, Identity]], v: Vault | None = None) -> int:
    """`file_household` for many new households at once (a spreadsheet import): their
    digests in a few bulk inserts, so that imported households are matched like single
    registrations. Entries are (household id, organisation id, identity); returns how many
    were filed (empty identities are skipped)."""
    v = v or vault()
    profiles, index = [], []
    for household_id, organisation_id, identity in entries:
        if identity.empty:
            continue
        record, keys = keys_for(identity, v)
        profiles.append(
            Profile(
                household_id=household_id,
                organisation_id=organisation_id,
                keys={kind: sorted(values) for kind, values in record.items()},
            )
        )
        index.extend(
            IndexKey(household_id=household_id, organisation_id=organisation_id, key=key)
            for key in keys
        )
    unfile_households(household_ids=[p.household_id for p in profiles])
    Profile.objects.bulk_create(profiles, batch_size=1000)
    IndexKey.objects.bulk_create(index, batch_size=5000)
    return len(profiles)


def unfile_household(*, household_id: int) -> None:
    """Drop a household's digests (its personal data was erased, or it was merged away)."""
    IndexKey.objects.filter(household_id=household_id).delete()
    Profile.objects.filter(household_id=household_id).delete()


def unfile_households(*, household_ids: Collection[int]) -> None:
    """`unfile_household` for many at once (retention)."""
    IndexKey.objects.filter(household_id__in=list(household_ids)).delete()
    Profile.objects.filter(household_id__in=list(household_ids)).delete()


def move_filing(*, source_id: int, target_id: int) -> None:
    """Move a household's digests to another (its personal data moved there in a merge)."""
    unfile_household(household_id=target_id)
    IndexKey.objects.filter(household_id=source_id).update(household_id=target_id)
    Profile.objects.filter(household_id=source_id).update(household_id=target_id)


_totals: dict[int, tuple[float, int, dict[str, float]]] = {}


def _filed(organisation_id: int) -> tuple[int, dict[str, float]]:
    """How many households of the organisation are filed, and each registration point's share
    of those registered at a point, as frequencies (see linkage.point_share). Counted at most
    once a minute: they only scale names' and points' weights."""
    now = time.monotonic()
    at, total, points = _totals.get(organisation_id, (0.0, 0, {}))
    if now - at > TOTAL_TTL:
        household = Profile._meta.get_field("household").related_model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT h.registered_point_id, COUNT(*) FROM {Profile._meta.db_table} p "
                f"JOIN {household} h ON h.id = p.household_id WHERE p.organisation_id = %s "
                f"GROUP BY h.registered_point_id",
                [organisation_id],
            )
            rows = cursor.fetchall()
        total = sum(count for _point, count in rows)
        at_points = max(sum(count for point, count in rows if point is not None), 1)
        points = {
            linkage.point_share(str(point)): count / at_points
            for point, count in rows
            if point is not None
        }
        _totals[organisation_id] = (now, total, points)
    return total, points


def _as_record(keys: dict) -> linkage.Record:
    return {kind: frozenset(values) for kind, values in keys.items()}


def check(
    *,
    organisation_id: int,
    identity: Identity,
    registration: Registration | None = None,
    exclude_id: int | None = None,
    limit: int = 10,
) -> list[Match]:
    """Active households of the organisation above the review threshold for this identity
    (and the household's composition, point and time when given), best first. Two queries
    however large the registry: the counts of its name keys, then the profiles of the
    households sharing an uncommon key (found by the index), with their households' plain
    composition, point and time of registration."""
    if identity.empty:
        return []
    record, keys = keys_for(identity)
    if registration is not None:
        record = {**record, **registration.kinds()}
    counts, rows = _candidates(organisation_id, keys, exclude_id)
    total, points = _filed(organisation_id)
    freq = {
        value: min(counts.get(f"count|{value}", 0), COUNT_LIMIT) / max(total, 1)
        for kind in NAME_KINDS
        for value in record.get(kind, ())
        if counts.get(f"count|{value}")
    }
    return _rank(record, rows, freq | points, limit)


def _candidates(organisation_id: int, keys: list[str], exclude_id: int | None):
    """(counts of the name keys, [(household id, keys)] of the active households sharing an
    uncommon key): two indexed queries, in SQL written out because this is the desk's hot
    path and the ORM's query building would cost more than the queries."""
    counted = [k for k in keys if linkage.is_capped(k) or k.startswith("count|")]
    index, profile = IndexKey._meta.db_table, Profile._meta.db_table
    household = Profile._meta.get_field("household").related_model._meta.db_table
    with connection.cursor() as cursor:
        counts = {}
        if counted:  # (a phone alone has no name keys to count)
            # Each key counted up to a limit only, so that a common name costs no more at
            # 100,000 households than at 1,000: a name-pair key only needs to be known common
            # (over CAP), a name's share is known up to COUNT_LIMIT households.
            limits = [COUNT_LIMIT if k.startswith("count|") else linkage.CAP + 1 for k in counted]
            cursor.execute(
                "SELECT "
                + ", ".join(
                    f"(SELECT COUNT(*) FROM (SELECT 1 FROM {index} WHERE organisation_id = %s "
                    f"AND key = %s LIMIT {limit}) AS c{i})"
                    for i, limit in enumerate(limits)
                ),
                [value for k in counted for value in (organisation_id, k)],
            )
            counts = dict(zip(counted, cursor.fetchone(), strict=True))
        wanted = [
            k
            for k in keys
            if not k.startswith("count|")
            and not (linkage.is_capped(k) and counts.get(k, 0) > linkage.CAP)
        ]
        if not wanted:
            return counts, []
        bands = ", ".join(f"h.{band}" for band in linkage.BANDS)
        cursor.execute(
            f"SELECT p.household_id, p.keys, h.registered_point_id, h.registered_at, {bands} "
            f"FROM {profile} p "
            f"JOIN {household} h ON h.id = p.household_id AND h.status = 'active' "
            f"WHERE p.household_id IN (SELECT DISTINCT household_id FROM {index} "
            f"WHERE organisation_id = %s AND key IN ({', '.join(['%s'] * len(wanted))}) "
            f"AND household_id <> %s LIMIT {MAX_CANDIDATES})",
            [organisation_id, *wanted, exclude_id or 0],
        )
        rows = [
            (hid, _row_record(data, point, at, bands_)) for hid, data, point, at, *bands_ in cursor
        ]
    return counts, rows


def _row_record(data, point_id: int | None, at, bands: Sequence[int]) -> linkage.Record:
    """A candidate's record from its profile row (JSON text on SQLite, decoded on PostgreSQL)
    and its household's point, time and counts by band."""
    keys = json.loads(data) if isinstance(data, str) else data
    return {
        **_as_record(keys),
        **plain_kinds(dict(zip(linkage.BANDS, bands, strict=True)), point_id, at),
    }


def _rank(record, profiles, freq, limit: int) -> list[Match]:
    m = model()
    review, warning = m.thresholds["review"], m.thresholds["warning"]
    levels_of = {hid: linkage.compare_best(record, other, m, freq) for hid, other in profiles}
    scores = {hid: m.score(levels) for hid, levels in levels_of.items()}
    # Averaged with the neighbours among the best candidates, as the re-check does.
    scores |= linkage.check_neighbours(record, dict(profiles), scores, m, freq)
    found = []
    for household_id, levels in levels_of.items():
        score = scores[household_id]
        if score >= review:
            found.append(
                Match(
                    household_id, round(score, 2), tuple(linkage.evidence(levels)), score >= warning
                )
            )
    found.sort(key=lambda match: (-match.score, match.household_id))
    return found[:limit]


def queue_pairs(*, organisation_id: int, household_id: int, matches: Collection[Match]) -> int:
    """Put a new household and its matches in the review queue (registered despite a warning,
    or found by a re-check); pairs already decided stay decided. Returns how many are new."""
    new = 0
    for match in matches:
        first, second = sorted((household_id, match.household_id))
        _pair, created = Pair.objects.get_or_create(
            first_id=first,
            second_id=second,
            defaults={
                "organisation_id": organisation_id,
                "score": match.score,
                "evidence": list(match.evidence),
            },
        )
        new += created
    return new


_job = None  # what the re-check's workers score: (records, name counts, totals, points)


def _score_pairs(pairs: Sequence[tuple[int, int]]) -> list[tuple]:
    """(organisation, first, second, score, evidence) of the pairs above the review threshold
    less linkage.CLUSTER_WINDOW (those that their neighbours may still lift above it)."""
    m = model()
    threshold = m.thresholds["review"] - linkage.CLUSTER_WINDOW
    out = []
    for a, b in pairs:
        org, levels = _levels(a, b)
        score = m.score(levels)
        if score >= threshold:
            out.append((org, a, b, round(score, 2), linkage.evidence(levels)))
    return out


def _levels(a: int, b: int) -> tuple[int, linkage.Levels]:
    """(organisation, agreement levels) of two filed households of the re-check's `_job`."""
    records, counts, totals, points = _job
    org, first = records[a]
    freq = {
        value: min(counts.get((org, value), 0), COUNT_LIMIT) / totals[org]
        for kind in NAME_KINDS
        for value in first.get(kind, ())
    }
    return org, linkage.compare_best(first, records[b][1], model(), freq | points[org])


def _with_linked(scored: list[tuple]) -> list[tuple]:
    """The scored pairs above the review threshold, with those linked through a third household
    (each of the two above the warning threshold with it: see linkage.through_others), their
    evidence their own and "linked", and each pair's score averaged with its neighbours' (see
    linkage.with_neighbours) before the threshold is applied."""
    m = model()
    review, warning = m.thresholds["review"], m.thresholds["warning"]
    by_pair = {(a, b): row for row in scored for a, b in [row[1:3]]}
    direct = {pair: row[3] for pair, row in by_pair.items()}
    for (a, b), score in linkage.through_others(direct, warning).items():
        org, levels = _levels(a, b)
        by_pair[(a, b)] = (org, a, b, score, [*linkage.evidence(levels), "linked"])

    def score_of(a: int, b: int) -> float:
        records = _job[0]
        if records[a][0] != records[b][0]:  # another organisation's: never the same
            return -math.inf
        return m.score(_levels(a, b)[1])

    scores = {pair: row[3] for pair, row in by_pair.items()}
    floor = review - linkage.CLUSTER_WINDOW
    for pair, score in linkage.with_neighbours(direct, scores, warning, floor, score_of).items():
        by_pair[pair] = (*by_pair[pair][:3], score, by_pair[pair][4])
    return [
        (org, a, b, round(score, 2), evidence)
        for org, a, b, score, evidence in by_pair.values()
        if score >= review
    ]


def recheck(
    *,
    organisation_ids: Collection[int] | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
) -> tuple[int, int]:
    """Compare every filed household with those sharing an uncommon key, in memory, and queue
    the pairs above the review threshold (after imports, field forms, or a new model), scoring
    in `workers` processes. Returns (pairs above the threshold, of which new)."""
    say = progress or (lambda _text: None)
    orgs = None if organisation_ids is None else [int(o) for o in organisation_ids]
    records = _records(orgs)
    say(f"{len(records)} households filed")
    counts: dict[tuple[int, str], int] = {}
    pairs: set[tuple[int, int]] = set()
    for org, key, members in _filed_keys(orgs):
        ids = sorted(hid for hid in members if hid in records)
        if key.startswith("count|"):
            counts[(org, key[6:])] = len(ids)
            continue
        if len(ids) < 2 or (linkage.is_capped(key) and len(ids) > linkage.CAP):
            continue
        pairs.update((ids[a], ids[b]) for a in range(len(ids)) for b in range(a + 1, len(ids)))
    say(f"{len(pairs)} candidate pairs")
    totals: dict[int, int] = defaultdict(int)
    by_organisation: dict[int, list[linkage.Record]] = defaultdict(list)
    for org, rec in records.values():
        totals[org] += 1
        by_organisation[org].append(rec)
    points = {
        org: {linkage.point_share(p): share for p, share in linkage.shares(recs, "point").items()}
        for org, recs in by_organisation.items()
    }
    global _job
    _job = (records, counts, totals, points)
    ordered = sorted(pairs)
    if workers > 1 and len(ordered) >= 2 * workers:
        # Scoring is pure CPU over what is already in memory: forked workers share it
        # copy-on-write and never touch the database.
        step = -(-len(ordered) // workers)
        chunks = [ordered[i : i + step] for i in range(0, len(ordered), step)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            scored = [row for part in pool.map(_score_pairs, chunks) for row in part]
    else:
        scored = _score_pairs(ordered)
    scored = _with_linked(scored)
    _job = None
    found = [
        Pair(organisation_id=org, first_id=a, second_id=b, score=score, evidence=evidence)
        for org, a, b, score, evidence in scored
    ]
    say(f"{len(found)} pairs above the review threshold")
    before = Pair.objects.count()
    with transaction.atomic():
        Pair.objects.bulk_create(found, batch_size=2000, ignore_conflicts=True)
    return len(found), Pair.objects.count() - before


def _in_organisations(orgs: list[int] | None, column: str) -> tuple[str, list[int]]:
    if orgs is None:
        return "", []
    return f"AND {column} IN ({', '.join(['%s'] * len(orgs)) or 'NULL'})", orgs


def _records(orgs: list[int] | None) -> dict[int, tuple[int, linkage.Record]]:
    """{household: (organisation, record)} of every filed active household, read in one query
    written out (the ORM's per-row conversions cost more than the reading at 100,000)."""
    profile = Profile._meta.db_table
    household = Profile._meta.get_field("household").related_model._meta.db_table
    bands = ", ".join(f"h.{band}" for band in linkage.BANDS)
    where, params = _in_organisations(orgs, "p.organisation_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.household_id, p.organisation_id, p.keys, h.registered_point_id, "
            f"h.registered_at, {bands} FROM {profile} p "
            f"JOIN {household} h ON h.id = p.household_id WHERE h.status = 'active' {where}",
            params,
        )
        return {
            hid: (org, _row_record(data, point, at, bands_))
            for hid, org, data, point, at, *bands_ in cursor
        }


def _filed_keys(orgs: list[int] | None):
    """(organisation, key, [households]) of every filed key, read in one query written out and
    grouped here (grouping in the database walks the index and reaches every row through it,
    which is slower than reading the table through)."""
    where, params = _in_organisations(orgs, "organisation_id")
    blocks: dict[tuple[int, str], list[int]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT household_id, organisation_id, key FROM {IndexKey._meta.db_table} "
            f"WHERE 1 = 1 {where}",
            params,
        )
        for hid, org, key in cursor:
            blocks[(org, key)].append(hid)
    for (org, key), ids in blocks.items():
        yield org, key, ids


def decide_pair(*, pair: Pair, status: str, by) -> Pair:
    """Record a coordinator's decision on a pair: merged, or not the same (dismissed)."""
    if not may(by, pair.organisation_id, Action.MERGE_HOUSEHOLDS):
        raise PermissionDenied
    if status not in (Pair.Status.MERGED, Pair.Status.DISMISSED):
        raise InvalidInput(_("Unknown decision."), field="decision")
    pair.status = status
    pair.decided_at = timezone.now()
    pair.decided_by = by
    pair.save(update_fields=["status", "decided_at", "decided_by"])
    return pair


def pair_between(first_id: int, second_id: int) -> Pair | None:
    a, b = sorted((first_id, second_id))
    return Pair.objects.filter(first_id=a, second_id=b).first()
