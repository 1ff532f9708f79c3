"""Bulk decisions per second: 30,000 subjects x 12 values through ``decide_many``.

Run: ``python -m bench.decisions [--subjects N] [--repeat R]``

Machines here are noisy, so the engine is timed next to a baseline measured
in the same run: a bare loop over the same records that only compares
audience ranks (the least any correct implementation must do). The ratio
engine/baseline is the figure to compare across machines. The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable

from permissions import (
    AccessRequest,
    Action,
    Audience,
    Consent,
    Field,
    Policy,
    Purpose,
    Relation,
    SubjectContext,
    SubjectRecord,
    ValueLabel,
    ValueRecord,
    decide_many,
)
from permissions.vocabulary import AUDIENCE_RANK, RELATION_RANK

VALUES_PER_SUBJECT = 12


def _policies() -> list[Policy]:
    order = list(Audience)
    return [
        Policy(order[v], order[d], order[s])
        for v in range(5)
        for d in range(v + 1)
        for s in range(d + 1)
    ]


def make_records(subjects: int, seed: int = 7) -> list[SubjectRecord]:
    """Synthetic subjects with mixed relations, consents and policies."""
    rng = random.Random(seed)
    policies = _policies()
    fields = list(Field)
    relations = [Relation.CONNECTION, Relation.NETWORK, Relation.MEMBER]
    records = []
    value_id = 0
    for subject_id in range(subjects):
        values = []
        for i in range(VALUES_PER_SUBJECT):
            value_id += 1
            field = fields[i % len(fields)]
            label = ValueLabel.WORK if field.multi_valued else None
            values.append(ValueRecord(value_id, field, label, "x", rng.choice(policies)))
        consent = Consent(
            objections=frozenset({Purpose.SALES}) if rng.random() < 0.1 else frozenset(),
            marketing_opt_in=rng.random() < 0.2,
        )
        context = SubjectContext(relation=rng.choice(relations), consent=consent)
        records.append(SubjectRecord(subject_id, context, values))
    return records


def engine(records: list[SubjectRecord]) -> int:
    """Decisions made by the engine (the product's path)."""
    request = AccessRequest(Action.DOWNLOAD, Purpose.RECRUITING)
    made = 0
    for outcome in decide_many(request, records):
        made += len(outcome.released) + len(outcome.withheld)
    return made


def baseline(records: list[SubjectRecord]) -> int:
    """The floor: one rank comparison per value, nothing else."""
    made = 0
    for _sid, context, values in records:
        rank = RELATION_RANK[context.relation]
        for value in values:
            made += AUDIENCE_RANK[value.policy.download] >= rank or 1
    return made


def best_of(
    fn: Callable[[list[SubjectRecord]], int], records: list[SubjectRecord], repeat: int
) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(records)
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    records = make_records(args.subjects)
    decisions = args.subjects * VALUES_PER_SUBJECT
    seconds = best_of(engine, records, args.repeat)
    floor = best_of(baseline, records, args.repeat)
    print(f"{args.subjects} subjects x {VALUES_PER_SUBJECT} values = {decisions} decisions")
    print(f"engine:   {seconds:.3f} s  ({decisions / seconds:,.0f} decisions/s)")
    print(f"baseline: {floor:.3f} s  ({decisions / floor:,.0f} comparisons/s)")
    print(
        json.dumps(
            {
                "subjects": args.subjects,
                "values_per_subject": VALUES_PER_SUBJECT,
                "decisions": decisions,
                "seconds": round(seconds, 4),
                "decisions_per_second": round(decisions / seconds),
                "baseline_seconds": round(floor, 4),
                "ratio": round(seconds / floor, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
