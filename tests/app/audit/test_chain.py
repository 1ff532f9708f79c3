"""The fast encodings used when writing events equal the plain ones used when verifying."""

from __future__ import annotations

import json
from datetime import UTC

from hypothesis import given
from hypothesis import strategies as st

from app.audit.chain import chain, digest
from app.audit.recorder import refused_json, released_json, value_name
from app.models.audit import GENESIS, EventAction, EventOutcome, Place
from permissions import (
    Field,
    Outcome,
    Purpose,
    Reason,
    Relation,
    ValueLabel,
    ValueRecord,
    default_policy,
)

KEY = b"test-key"
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
ids = st.none() | st.integers(1, 2**40)


@st.composite
def rows(draw: st.DrawFn) -> list[dict]:
    shared = {
        "occurred_at": draw(st.datetimes(timezones=st.just(UTC))),
        "requester_id": draw(ids),
        "app_id": draw(ids),
        "action": draw(st.sampled_from(list(EventAction))),
        "place": draw(st.sampled_from(list(Place))),
        "purpose": draw(st.none() | st.sampled_from(list(Purpose))),
        "request_id": draw(text),
    }
    made = []
    for seq in range(1, draw(st.integers(1, 6)) + 1):
        # Sometimes a row differs from the batch in a shared column too.
        own = {"requester_id": draw(ids)} if draw(st.booleans()) else {}
        made.append(
            {
                **shared,
                **own,
                "seq": seq,
                "subject_id": draw(ids),
                "released": draw(text),
                "refused": draw(text),
                "outcome": draw(st.sampled_from(list(EventOutcome))),
            }
        )
    return made


@given(rows())
def test_chain_gives_the_same_digests_as_digest_one_by_one(batch):
    expected, previous = [], GENESIS
    for row in batch:
        previous = digest(KEY, previous, row)
        expected.append(previous)

    last = chain(KEY, GENESIS, batch)

    assert [row["digest"] for row in batch] == expected
    assert last == expected[-1]


value_records = st.builds(
    ValueRecord,
    st.integers(1, 10**6),
    st.sampled_from(list(Field)),
    st.none() | st.sampled_from(list(ValueLabel)),
    text,
    st.just(default_policy(Field.EMAIL)),
)


@given(
    released=st.lists(value_records, max_size=5),
    withheld=st.lists(st.tuples(value_records, st.sampled_from(list(Reason))), max_size=5),
    whole=st.none() | st.sampled_from(list(Reason)),
)
def test_event_value_lists_are_exactly_json_dumps(released, withheld, whole):
    outcome = Outcome(1, Relation.CONNECTION, released, withheld, whole)
    refused = [[value_name(v), str(r)] for v, r in withheld] or (
        [["*", str(whole)]] if whole else []
    )

    assert released_json(outcome) == json.dumps([value_name(v) for v in released])
    assert refused_json(outcome) == json.dumps(refused)
