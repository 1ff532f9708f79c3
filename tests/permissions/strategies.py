"""Hypothesis strategies for the policy engine's inputs."""

from __future__ import annotations

from hypothesis import strategies as st

from permissions import (
    AccessRequest,
    Action,
    Audience,
    Consent,
    Field,
    Policy,
    Purpose,
    Relation,
    Scope,
    SubjectContext,
    SubjectRecord,
    ValueRecord,
)

audiences = st.sampled_from(list(Audience))
relations = st.sampled_from(list(Relation))
fields = st.sampled_from(list(Field))
actions = st.sampled_from(list(Action))
purposes = st.none() | st.sampled_from(list(Purpose))
scope_sets = st.none() | st.frozensets(st.sampled_from(list(Scope)))

# Any triple, monotone or not: the engine is only ever given checked ones,
# but the reference model must agree on the raw audiences either way.
any_policies = st.builds(Policy, audiences, audiences, audiences)


@st.composite
def monotone_policies(draw: st.DrawFn) -> Policy:
    """A policy that satisfies sync <= download <= view, drawn uniformly by rank."""
    order = list(Audience)
    view = draw(st.integers(0, 4))
    download = draw(st.integers(0, view))
    sync = draw(st.integers(0, download))
    return Policy(order[view], order[download], order[sync])


consents = st.builds(
    Consent,
    objections=st.frozensets(
        st.sampled_from([Purpose.PERSONAL, Purpose.RECRUITING, Purpose.SALES])
    ),
    marketing_opt_in=st.booleans(),
)
contexts = st.builds(
    SubjectContext,
    relation=relations,
    consent=consents,
    app_blocked=st.booleans(),
    suppressed=st.booleans(),
    over_quota=st.booleans(),
    accountable=st.booleans(),
)
requests = st.builds(AccessRequest, action=actions, purpose=purposes, scopes=scope_sets)


@st.composite
def value_records(draw: st.DrawFn, value_id: int) -> ValueRecord:
    field = draw(fields)
    label = draw(st.sampled_from(field.labels)) if field.multi_valued else None
    return ValueRecord(
        value_id, field, label, draw(st.text(max_size=20)), draw(monotone_policies())
    )


@st.composite
def subject_records(draw: st.DrawFn) -> list[SubjectRecord]:
    count = draw(st.integers(0, 8))
    records = []
    next_id = 1
    for subject_id in range(1, count + 1):
        n = draw(st.integers(0, 6))
        values = [draw(value_records(next_id + i)) for i in range(n)]
        next_id += n
        records.append(SubjectRecord(subject_id, draw(contexts), values))
    return records
