"""Probabilistic record linkage (Fellegi–Sunter) over sets of keys, for duplicate households.

Standard library only, no Django. A *record* maps a kind of key ("family.skeleton", "phone",
"dob.year"…) to a set of strings. The strings are the plain normal forms of
``kamavor.lib.person_keys`` here and in the tests, and keyed digests of them in the database:
every comparison below is an equality of strings, so it gives the same answer on either.

Two records are compared field by field into an *agreement level* (names: exact, one word,
skeleton, one typo apart, different, missing). Each level carries a weight log2(m/u), where m
is how often true pairs show that level and u how often unrelated pairs do; the score of a pair
is the sum of its weights. The m and u are estimated from the data (``estimate``: u from
random pairs, m by expectation–maximisation over the candidate pairs), never set by hand.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from kamavor.lib.person_keys import (
    birth_date_keys,
    name_keys,
    parse_birth_date,
    phone_key,
    skeleton,
)

Record = dict[str, frozenset[str]]
Levels = dict[str, str]
MISSING = "missing"

NAME_LEVELS = (
    "exact", "word", "skeleton", "typo", "replaced", "skeleton2", "typo2", "loose", "differ",
)  # fmt: skip
FIELDS: dict[str, tuple[str, ...]] = {
    "names": NAME_LEVELS,
    "given": NAME_LEVELS,
    "family": NAME_LEVELS,
    "birth": ("exact", "swap", "year", "year_conflict", "daymonth", "near", "differ"),
    "sex": ("agree", "differ"),
    "phone": ("agree", "differ"),
    "document": ("agree", "differ"),
    "members": ("two", "one", "none"),
    "household": (
        "exact_1",
        "exact_2",
        "exact_3",
        "exact_4",
        "exact_5",
        "moved_small",
        "moved_large",
        "one_small",
        "one_large",
        "near_small",
        "near_large",
        "differ",
    ),
    "point": ("same", "differ"),
    "day": ("week", "season", "later"),
}
COMPARED = (
    "given", "family", "birth", "sex", "phone", "document", "members", "household", "point",
    "day",
)  # fmt: skip

# Kinds that hold no personal value and are kept as they are (never digested): the household's
# composition (counts by sex and age band), the registration point's id and the day of
# registration, all three held in plain on the household itself.
PLAIN_KINDS = frozenset({"household", "point", "day"})
BANDS = tuple(
    f"{sex}_{band}"
    for sex in ("female", "male")
    for band in ("0_2", "3_5", "6_11", "12_17", "18_59", "60")
)
# A small household agrees with another by chance far more often than a large one (as a common
# name does): an exact agreement is weighed by the household's size, up to LARGEST, and a
# near one by whether the larger of the two is over SMALL_HOUSEHOLD.
LARGEST, SMALL_HOUSEHOLD = 5, 3


def household_value(composition: Mapping[str, int] | None) -> str:
    """A composition as one plain value: its counts in the order of BANDS ("" if empty)."""
    counts = [int((composition or {}).get(band) or 0) for band in BANDS]
    return ".".join(map(str, counts)) if any(counts) else ""


def person_record(
    *,
    given: str = "",
    family: str = "",
    birth_date: str = "",
    sex: str = "",
    phone: str = "",
    document: str = "",
    members: Sequence[str] = (),
    composition: Mapping[str, int] | None = None,
    point: str | int | None = None,
    day: float | None = None,
) -> Record:
    """The plain keys of one registration (empty kinds left out). The household's composition,
    point and day of registration are not personal and stay plain (PLAIN_KINDS)."""
    record: dict[str, set[str]] = {}

    def put(kind: str, values: Iterable[str]) -> None:
        values = {v for v in values if v}
        if values:
            record.setdefault(kind, set()).update(values)

    for name, text in (("given", given), ("family", family)):
        keys = name_keys(text)
        put(f"{name}.full", [keys.full])
        put(f"{name}.key", keys.keys)
        put(f"{name}.skeleton", keys.skeletons)
        put(f"{name}.typo", keys.deletions)
        put(f"{name}.loose", keys.loose)
        put(f"{name}.replaced", keys.replaced)
    for kind, value in birth_date_keys(parse_birth_date(birth_date)).items():
        put(f"birth.{kind}", [value])
    for year in record.get("birth.year", ()):  # a year one off (mistyped, or counted at New Year)
        put("birth.near", [str(int(year) - 1), str(int(year) + 1)])
    put("sex", [sex.strip().lower()[:1]] if sex else [])
    put("phone", [phone_key(phone)])
    put("document", ["".join(c for c in (document or "").upper() if c.isalnum())])
    put("members", [skeleton(k) for text in members for k in name_keys(text).keys])
    put("household", [household_value(composition)])
    put("point", [str(point)] if point not in (None, "") else [])
    put("day", [f"{float(day):.2f}"] if day is not None else [])
    return {kind: frozenset(values) for kind, values in record.items()}


def blocking_keys(record: Record) -> set[str]:
    """The index keys under which a record is filed and looked for: two records are compared
    only if they share one. Each joins two or three weak keys, so that a name alone is not one;
    given and family name are joined in either order (a desk may swap them). Keys starting
    with "names" hold names only: common pairs are skipped when looking (see CAP)."""
    keys = {f"phone|{p}" for p in record.get("phone", ())}
    keys |= {f"document|{d}" for d in record.get("document", ())}
    given = record.get("given.skeleton", frozenset())
    family = record.get("family.skeleton", frozenset())
    years = record.get("birth.year", frozenset())
    daymonths = record.get("birth.daymonth", frozenset())
    pairs = {"|".join(sorted((f, g))) for f in family for g in given}
    keys |= {f"names|{p}" for p in pairs}
    keys |= {f"names-year|{p}|{y}" for p in pairs for y in years}
    keys |= {f"names-day|{p}|{d}" for p in pairs for d in daymonths}
    for name in (*given, *family):
        # One name with the day and month, whatever the year (typed wrong): for a pair whose
        # other name is missing or differs.
        keys |= {f"name-day|{name}|{d}" for d in daymonths}
        keys |= {f"names-year|{name}|{y}" for y in years}
    # One name mistyped and the other missing or mistyped too: a deletion of either name's
    # key with the full birth date.
    for deletion in (*record.get("given.typo", ()), *record.get("family.typo", ())):
        keys |= {f"name-typo-date|{deletion}|{y}|{d}" for y in years for d in daymonths}
    # One typo in one name: a deletion of its key with the other name's skeleton.
    for this, other in (("family", given), ("given", family)):
        for deletion in record.get(f"{this}.typo", ()):
            keys |= {f"names-typo|{deletion}|{o}" for o in other}
    # Names that only sound alike (see person_keys.loose), with the birth year or alone.
    loose = {
        "|".join(sorted((f, g)))
        for f in record.get("family.loose", ())
        for g in record.get("given.loose", ())
    }
    keys |= {f"names-loose|{p}" for p in loose}
    keys |= {f"names-loose-year|{p}|{y}" for p in loose for y in years}
    return keys


# A blocking key shared by more registrations than this is too common to look under alone
# (a frequent name pair): looking stays as fast at 100,000 households as at 1,000.
CAP = 30


def _name_level(a: Record, b: Record, left: str, right: str) -> str:
    if f"{left}.full" not in a or f"{right}.full" not in b:
        return MISSING
    if a[f"{left}.full"] == b[f"{right}.full"]:
        return "exact"
    if a[f"{left}.key"] & b[f"{right}.key"]:
        return "word"
    shared = a[f"{left}.typo"] & b[f"{right}.typo"]
    if a[f"{left}.skeleton"] & b[f"{right}.skeleton"]:
        # The same consonants: a vowel apart when the keys also share a deletion (Petrosyan,
        # Petrasyan), more often another name when they do not (Armen, Armine).
        return "skeleton" if shared else "skeleton2"
    if shared:
        return _typo_level(a, b, left, right, shared)
    if a.get(f"{left}.loose", frozenset()) & b.get(f"{right}.loose", frozenset()):
        return "loose"
    return "differ"


def _typo_level(a: Record, b: Record, left: str, right: str, shared: frozenset[str]) -> str:
    """Two keys sharing a deletion are one slip apart ("typo": a letter dropped or added, so
    one key is a deletion of the other, or two letters swapped, so they share two deletions)
    or a letter replaced ("replaced": they share a deletion at the same place, Armen and
    Arsen, often another name), or two edits apart ("typo2": one letter dropped and another
    added, as Armen and Karen, both "aren" less a letter), mostly another name. A key is
    digested as its deletions are (see DIGESTED_AS), so this reads on digests too."""
    if len(shared) >= 2 or a[f"{left}.key"] & b[f"{right}.typo"]:
        return "typo"
    if a[f"{left}.typo"] & b[f"{right}.key"]:
        return "typo"
    if a.get(f"{left}.replaced", frozenset()) & b.get(f"{right}.replaced", frozenset()):
        return "replaced"
    return "typo2"


def _birth_level(a: Record, b: Record) -> str:
    if "birth.year" not in a or "birth.year" not in b:
        return MISSING
    if "birth.full" in a and a["birth.full"] == b.get("birth.full"):
        return "exact"
    if "birth.swap" in a and a["birth.swap"] == b.get("birth.swap"):
        return "swap"
    both_full = "birth.full" in a and "birth.full" in b
    if a["birth.year"] == b["birth.year"]:
        return "year_conflict" if both_full else "year"
    if both_full and a["birth.daymonth"] == b["birth.daymonth"]:
        return "daymonth"
    if not both_full and a["birth.year"] & b.get("birth.near", frozenset()):
        return "near"
    return "differ"


def _same(a: Record, b: Record, kind: str, agree: str = "agree") -> str:
    if kind not in a or kind not in b:
        return MISSING
    return agree if a[kind] & b[kind] else "differ"


def _members_level(a: Record, b: Record) -> str:
    if "members" not in a or "members" not in b:
        return MISSING
    shared = len(a["members"] & b["members"])
    return "two" if shared >= 2 else "one" if shared else "none"


def _one(values: frozenset[str]) -> str:
    return next(iter(values))


@lru_cache(maxsize=4096)
def _counts(value: str) -> tuple[int, ...]:
    return tuple(int(x) for x in value.split("."))


def _household_level(a: Record, b: Record) -> str:
    """Compositions: the same (by the household's size: a household of one agrees by chance
    far more often than one of five), one member moved to another band (a birth year or a row
    typed off), one member more or less (away, a newborn), two or three counts apart (each of
    these three for small or large households), or more."""
    if "household" not in a or "household" not in b:
        return MISSING
    left, right = _counts(_one(a["household"])), _counts(_one(b["household"]))
    apart = sum(abs(x - y) for x, y in zip(left, right, strict=True))
    size = max(sum(left), sum(right))
    if apart == 0:
        return f"exact_{min(size, LARGEST)}"
    band = "small" if size <= SMALL_HOUSEHOLD else "large"
    if apart == 2 and sum(left) == sum(right):
        return f"moved_{band}"
    if apart == 1:
        return f"one_{band}"
    return f"near_{band}" if apart <= 3 else "differ"


DAYS_WEEK, DAYS_SEASON = 7.0, 60.0


def _day_level(a: Record, b: Record) -> str:
    """Days between the two registrations: within a week (the same rush, two points), within
    two months, or later."""
    if "day" not in a or "day" not in b:
        return MISSING
    apart = abs(float(_one(a["day"])) - float(_one(b["day"])))
    return "week" if apart <= DAYS_WEEK else "season" if apart <= DAYS_SEASON else "later"


# Levels at which a given name agreeing already tells the sex (Armenian given names, like most,
# are a man's or a woman's): sex agreeing then says nothing more, and counting it would count
# the sex twice.
_SEX_TOLD = frozenset({"exact", "word", "skeleton", "typo"})


def _sex_level(a: Record, b: Record, given: str) -> str:
    level = _same(a, b, "sex")
    return MISSING if level == "agree" and given in _SEX_TOLD else level


def compare(a: Record, b: Record) -> Levels:
    """The agreement level of each field between two records."""
    given = _name_level(a, b, "given", "given")
    return {
        "household": _household_level(a, b),
        "point": _same(a, b, "point", "same"),
        "day": _day_level(a, b),
        "given": given,
        "family": _name_level(a, b, "family", "family"),
        "birth": _birth_level(a, b),
        "sex": _sex_level(a, b, given),
        "phone": _same(a, b, "phone"),
        "document": _same(a, b, "document"),
        "members": _members_level(a, b),
    }


Frequencies = Mapping[str, float]


_NAME_RANK = {
    "exact": 0, "word": 1, "skeleton": 2, "typo": 3, "replaced": 4, "skeleton2": 5, "typo2": 6,
    "loose": 7, "differ": 8, MISSING: 9,
}  # fmt: skip


def compare_oriented(a: Record, b: Record) -> Levels:
    """`compare`, also reading one record's given and family names the other way round (a
    desk may type them swapped): the reading whose names agree better wins."""
    return _oriented(a, b)[0]


def _oriented(a: Record, b: Record) -> tuple[Levels, bool]:
    """`compare_oriented`, and whether the names were read the other way round."""
    straight = compare(a, b)
    given = _name_level(a, b, "given", "family")
    crossed = {
        **straight,
        "given": given,
        "family": _name_level(a, b, "family", "given"),
        "sex": _sex_level(a, b, given),
    }

    def rank(levels: Levels) -> int:
        return _NAME_RANK[levels["given"]] + _NAME_RANK[levels["family"]]

    return (crossed, True) if rank(crossed) < rank(straight) else (straight, False)


# The name keys whose frequencies are counted: the full spelling (for an exact agreement) and
# the phonetic key (for names agreeing across scripts and spellings, the usual case when each
# registration is typed anew).
COUNTED = ("given.full", "family.full", "given.key", "family.key")


def compare_best(a: Record, b: Record, model: Model, freq: Frequencies | None = None) -> Levels:
    """`compare_oriented`, with a name agreeing exactly or across spellings weighed by how
    common it is when its frequency is known (see `_tf`)."""
    levels, crossed = _oriented(a, b)
    if freq:
        levels = {**levels, **_tf(a, b, levels, freq, crossed=crossed)}
    return levels


def point_share(point: str) -> str:
    """The key under which a registration point's share of the registry is given among the
    frequencies (a point is plain, and this cannot be mistaken for a digest)."""
    return f"point:{point}"


def _tf(
    a: Record, b: Record, levels: Levels, freq: Frequencies, *, crossed: bool = False
) -> dict[str, str]:
    """Term frequency: a name agreeing exactly (on its spelling) or as a variant (on its
    phonetic key) remembers how common it is, as "exact@0.0123" or "word@0.0123" (its share
    among registrations): Petrosyan agreeing says less than Zohrabyan, in any script. Of a
    name's shared keys the commonest is taken (the cautious reading). So does the same
    registration point: two registrations at the point that takes a quarter of the registry
    share it by chance far more often than two at a small one. Names read the other way
    round (`crossed`) are weighed so too: their digests are the same in either field."""
    out = {}
    if levels.get("point") == "same":
        shares = [freq[key] for v in a["point"] if freq.get(key := point_share(v))]
        if shares:
            out["point"] = f"same@{max(shares):.6f}"
    for name, other in (("given", "family"), ("family", "given")):
        level, right = levels[name], other if crossed else name
        if level == "exact":
            values = a[f"{name}.full"]
        elif level == "word":
            values = a.get(f"{name}.key", frozenset()) & b.get(f"{right}.key", frozenset())
        else:
            continue
        shares = [freq[v] for v in values if freq.get(v)]
        if shares:
            out[name] = f"{level}@{max(shares):.6f}"
    return out


@dataclass
class Model:
    """m and u probabilities per field and level; weights are log2(m/u), 0 for missing."""

    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    prior: float = 0.0001  # share of true pairs among candidate pairs, for reference
    thresholds: dict[str, float] = field(default_factory=dict)
    tf: dict[str, float] = field(default_factory=dict)  # collision rate per COUNTED kind

    def weight(self, name: str, level: str) -> float:
        if level == MISSING or name not in self.m:  # (a model estimated without the field)
            return 0.0
        level, _at, share = level.partition("@")
        if share:  # a name or a point agreeing, weighed by how common it is
            kind = name if name in TF_PLAIN else f"{name}.{'full' if level == 'exact' else 'key'}"
            collision = self.tf.get(kind)
            if collision:
                # u for this very name: its share over the share of an average agreeing
                # name (the collision rate), bounded so one count cannot swing a pair.
                factor = min(max(float(share) / collision, TF_BOUND[0]), TF_BOUND[1])
                return math.log2(self.m[name][level] / (self.u[name][level] * factor))
            return math.log2(self.m[name][level] / min(float(share), self.u[name][level]))
        return math.log2(self.m[name][level] / self.u[name][level])

    def score(self, levels: Mapping[str, str]) -> float:
        return sum(self.weight(name, level) for name, level in levels.items())

    def to_json(self) -> dict:
        return {
            "m": self.m, "u": self.u, "prior": self.prior, "thresholds": self.thresholds,
            "tf": self.tf,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping) -> Model:
        return cls(
            m={k: dict(v) for k, v in data["m"].items()},
            u={k: dict(v) for k, v in data["u"].items()},
            prior=float(data.get("prior", 0.0001)),
            thresholds=dict(data.get("thresholds", {})),
            tf={k: float(v) for k, v in data.get("tf", {}).items()},
        )


FLOOR = 1e-5
TF_BOUND = (1 / 32, 32.0)
TF_PLAIN = ("point",)  # plain kinds weighed by how common their value is (see `_tf`)


def collisions(records: Sequence[Record]) -> dict[str, float]:
    """For each COUNTED kind and the point, the chance that two records drawn at random share
    a value of it (the sum of the squared shares): a name's share divided by this says how
    much more (or less) often than an average name it agrees by chance."""
    out = {}
    for kind in COUNTED:
        counts: Counter = Counter(v for record in records for v in record.get(kind, ()))
        n = max(len(records), 1)
        out[kind] = sum((c / n) ** 2 for c in counts.values()) or 1.0
    out |= {kind: sum(s * s for s in shares(records, kind).values()) or 1.0 for kind in TF_PLAIN}
    return out


def shares(records: Iterable[Record], kind: str) -> dict[str, float]:
    """Each value's share among the records holding `kind` (a point's share of the
    registrations made at a point)."""
    counts: Counter = Counter(v for record in records for v in record.get(kind, ()))
    n = max(sum(counts.values()), 1)
    return {value: c / n for value, c in counts.items()}


def _normalised(counts: Mapping[str, float], levels: Sequence[str]) -> dict[str, float]:
    total = sum(counts.get(level, 0.0) + FLOOR for level in levels)
    return {level: (counts.get(level, 0.0) + FLOOR) / total for level in levels}


def estimate_u(records: Sequence[Record], *, pairs: int = 200_000, seed: int = 1) -> dict:
    """u probabilities: how often each level shows between records drawn at random (nearly
    all of which are different people)."""
    rng = random.Random(seed)
    counts: dict[str, Counter] = {name: Counter() for name in COMPARED}
    n = len(records)
    for _ in range(pairs):
        i, j = rng.randrange(n), rng.randrange(n)
        if i == j:
            continue
        for name, level in compare(records[i], records[j]).items():
            if level != MISSING:
                counts[name][level] += 1
    u = {name: _normalised(counts[name], FIELDS[name]) for name in COMPARED}
    for name in EXACT_U:
        if (chance := agreement_chance(records, name)) is not None:
            u[name] = {"agree": chance, "differ": 1 - chance}
    return u


# Fields whose agreement is too rare to be seen in a sample of random pairs (a phone or a
# document shared by two registrations): a sample that finds none would give u = 0 and an
# unbounded weight, so their u is counted exactly from the values' frequencies instead.
EXACT_U = ("phone", "document")


def agreement_chance(records: Sequence[Record], kind: str) -> float | None:
    """The chance that two records drawn at random, both holding `kind`, share a value of it
    (the pairs sharing one over all pairs, with the same person's repeats and a family's
    shared phone among them: a cautious u). None when fewer than two records hold it."""
    holding = [record[kind] for record in records if kind in record]
    n = len(holding)
    if n < 2:
        return None
    counts: Counter = Counter(v for values in holding for v in values)
    shared = sum(c * (c - 1) for c in counts.values())
    return min(max(shared / (n * (n - 1)), FLOOR / n), 0.5)


# Pairs that are almost surely the same person, by fields other than the one estimated: the m
# of every field is read from the candidate pairs that the anchor of that field marks (as
# Splink estimates m from pairs blocked on other columns). This avoids EM's drift to "same
# name" as the match class, which blocking on names makes likely.
_NAMES_AGREE = ("exact", "word", "skeleton")


def _number_agrees(lv: Levels) -> bool:
    return lv["phone"] == "agree" or lv["document"] == "agree"


ANCHORS: dict[str, Callable[[Levels], bool]] = {
    "phone": lambda lv: lv["birth"] == "exact" and lv["given"] == lv["family"] == "exact",
    "document": lambda lv: lv["birth"] == "exact" and lv["given"] == lv["family"] == "exact",
    "birth": lambda lv: (
        _number_agrees(lv) and lv["given"] in _NAMES_AGREE and lv["family"] in _NAMES_AGREE
    ),
}


def _anchor(levels: Levels) -> bool:
    return _number_agrees(levels) and levels["birth"] in ("exact", "swap")


def estimate(
    candidates: Sequence[Levels],
    u: dict[str, dict[str, float]],
    *,
    iterations: int = 20,
) -> Model:
    """m probabilities from anchored candidate pairs (see ANCHORS), then the share of true
    pairs among the candidates by expectation–maximisation with m and u fixed."""
    m: dict[str, dict[str, float]] = {}
    for name in COMPARED:
        anchor = ANCHORS.get(name, _anchor)
        counts: Counter = Counter()
        for levels in candidates:
            if anchor(levels) and levels[name] != MISSING:
                counts[levels[name]] += 1
        m[name] = _normalised(counts, FIELDS[name])
    model = Model(m=m, u=u, prior=0.1)
    patterns = Counter(tuple(sorted(levels.items())) for levels in candidates)
    for _step in range(iterations):
        matched = 0.0
        for pattern, count in patterns.items():
            odds = 2 ** model.score(dict(pattern)) * model.prior / (1 - model.prior)
            matched += count * odds / (1 + odds)
        model.prior = min(max(matched / max(len(candidates), 1), 1e-6), 0.999)
    return model


# A pair linked through a third registration (each of the two strongly matches it) is scored as
# its weaker link less this margin (bits): a person registering three times is often recognised
# from one registration to the next while the first and the last have less in common (a new
# phone, no birth date one time, a typo another).
LINK_MARGIN = 2.0


def through_others(
    scores: Mapping[tuple[int, int], float], strong: float, margin: float = LINK_MARGIN
) -> dict[tuple[int, int], float]:
    """Pairs (a, c), a < c, linked through a third registration b whose pairs (a, b) and (b, c)
    both score at least `strong`, scored min(s(a, b), s(b, c)) − margin when that beats their
    own score (absent when they share no blocking key). Only the strong pairs are walked, so
    this costs little beside the scoring."""
    links: dict[int, list[tuple[int, float]]] = {}
    for (a, b), score in scores.items():
        if score >= strong:
            links.setdefault(a, []).append((b, score))
            links.setdefault(b, []).append((a, score))
    found: dict[tuple[int, int], float] = {}
    for linked in links.values():
        for i, (a, score_a) in enumerate(linked):
            for c, score_c in linked[i + 1 :]:
                pair = (a, c) if a < c else (c, a)
                score = min(score_a, score_c) - margin
                if score > found.get(pair, -math.inf) and score > scores.get(pair, -math.inf):
                    found[pair] = score
    return found


# A pair's score averaged with its neighbours' (see `with_neighbours`): its own score counts as
# this many of theirs, and only pairs within this many bits below the review threshold (or
# above it) are averaged, as those further below cannot reach it.
CLUSTER_WEIGHT, CLUSTER_WINDOW = 4.0, 12.0


def with_neighbours(
    direct: Mapping[tuple[int, int], float],
    scores: Mapping[tuple[int, int], float],
    strong: float,
    floor: float,
    score_of: Callable[[int, int], float],
    weight: float = CLUSTER_WEIGHT,
) -> dict[tuple[int, int], float]:
    """Pairs (a, c) of `scores` at or above `floor`, scored as the average of their own score
    (counted `weight` times) and of how each registration strongly matching one of the two
    (at least `strong` by its `direct` score) and not the other scores with that other: a
    registration joins one household's registrations, not two, so when a's other
    registrations say c is someone else, the pair (a, c) weighs less, and more when they
    agree. `score_of(x, y)` scores any two records (x < y). Pairs with no such neighbour keep
    their score and are left out of the answer."""
    partners: dict[int, set[int]] = {}
    for (a, b), score in direct.items():
        if score >= strong:
            partners.setdefault(a, set()).add(b)
            partners.setdefault(b, set()).add(a)
    found: dict[tuple[int, int], float] = {}
    for (a, c), score in scores.items():
        if score < floor:
            continue
        of_a, of_c = partners.get(a, set()) - {c}, partners.get(c, set()) - {a}
        others = [_score(direct, score_of, b, c) for b in of_a - of_c]
        others += [_score(direct, score_of, a, d) for d in of_c - of_a]
        if others:
            found[(a, c)] = (weight * score + sum(others)) / (weight + len(others))
    return found


CHECK_NEIGHBOURS = 8  # candidates of a check compared with each other (see `check_neighbours`)


def check_neighbours(
    record: Record,
    candidates: Mapping[int, Record],
    scores: Mapping[int, float],
    model: Model,
    freq: Frequencies | None = None,
) -> dict[int, float]:
    """`with_neighbours` for one registration against its candidates (ids over 0; scores are
    the registration's with each), as the check at registration scores them: the best
    candidates near the review threshold (at most CHECK_NEIGHBOURS) are compared with each
    other, the registration standing as 0. The candidates so averaged, with their new score."""
    review, strong = model.thresholds.get("review"), model.thresholds.get("warning")
    if review is None or strong is None:
        return {}
    floor = review - CLUSTER_WINDOW
    near = sorted((c for c, score in scores.items() if score >= floor),
                  key=lambda c: -scores[c])[:CHECK_NEIGHBOURS]  # fmt: skip
    if len(near) < 2:
        return {}
    near.sort()
    direct = {(0, c): scores[c] for c in near}
    for i, x in enumerate(near):
        for y in near[i + 1 :]:
            direct[(x, y)] = model.score(compare_best(candidates[x], candidates[y], model, freq))

    def score_of(x: int, y: int) -> float:  # (every pair among `near` is in `direct`)
        return model.score(compare_best(candidates[x], candidates[y], model, freq))

    averaged = with_neighbours(direct, {(0, c): scores[c] for c in near}, strong, floor, score_of)
    return {c: score for (_zero, c), score in averaged.items()}


def _score(direct, score_of, x: int, y: int) -> float:
    pair = (x, y) if x < y else (y, x)
    score = direct.get(pair)
    return score_of(*pair) if score is None else score


def evidence(levels: Mapping[str, str]) -> list[str]:
    """The agreeing fields of a pair as stable codes ("phone", "names_across_scripts",
    "birth_year"…) for the page to say in words."""
    levels = {name: level.partition("@")[0] for name, level in levels.items()}
    codes = []
    if levels.get("phone") == "agree":
        codes.append("phone")
    if levels.get("document") == "agree":
        codes.append("document")
    names = (levels.get("given"), levels.get("family"))
    if names == ("exact", "exact"):
        codes.append("names")
    elif all(level in ("exact", "word", "skeleton") for level in names):
        codes.append("names_variant")
    elif all(level in ("exact", "word", "skeleton", "typo", "replaced") for level in names):
        codes.append("names_typo")
    elif all(level in ("exact", "word", "skeleton", "typo", "replaced", "skeleton2", "typo2",
                       "loose") for level in names):  # fmt: skip
        codes.append("names_loose")
    elif "exact" in names or "word" in names:
        codes.append("one_name")
    birth = levels.get("birth")
    if birth == "exact":
        codes.append("birth_date")
    elif birth == "swap":
        codes.append("birth_date_swapped")
    elif birth in ("year", "year_conflict"):
        codes.append("birth_year")
    elif birth == "near":
        codes.append("birth_year_near")
    if levels.get("sex") == "differ":
        codes.append("sex_differs")
    if levels.get("members") in ("one", "two"):
        codes.append("members")
    household = levels.get("household", "")
    if household.startswith("exact"):
        codes.append("household")
    elif household.startswith(("moved", "one")):
        codes.append("household_near")
    if levels.get("point") == "same":
        codes.append("same_point")
    if levels.get("day") == "week":
        codes.append("same_week")
    return codes


def digest_record(record: Record, digest: Callable[[str], str]) -> Record:
    """The record with every key replaced by digest("kind:value"): what the database holds."""
    return {
        kind: values
        if kind in PLAIN_KINDS
        else frozenset(digest(f"{DIGESTED_AS.get(kind, kind)}:{value}") for value in values)
        for kind, values in record.items()
    }


# Kinds digested as another so that they can be compared with it: the years next to a birth
# year are compared with the other record's year, a given name with a family name (a desk
# may type them the other way round: see `compare_oriented`), and a name's deletions with the
# other's key, to tell a letter dropped from two letters apart (see `_typo_level`).
DIGESTED_AS = {"birth.near": "birth.year"} | {
    f"{name}.{kind}": f"name.{'key' if kind == 'typo' else kind}"
    for name in ("given", "family")
    for kind in ("full", "key", "skeleton", "typo", "loose", "replaced")
}


def digest_blocking_key(key: str, digest: Callable[[str], str]) -> str:
    """A blocking key as filed: its kind in clear (it names no one), its values digested."""
    kind, _sep, _rest = key.partition("|")
    return f"{kind}|{digest('block:' + key)}"


def is_capped(key: str) -> bool:
    """Whether a (filed) blocking key holds a name pair only, and so is skipped when common."""
    return key.startswith("names")
