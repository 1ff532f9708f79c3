"""A year of access events, as the recorder would have written them, in ``seq`` order.

Every event shape (action, place, purpose, released and refused values,
outcome, fields) is built from a real :class:`permissions.Outcome` through
the recorder's own functions (``released_json``, ``refused_json``,
``fields_mask``, ``outcome_of``), so the stored text is byte for byte what
the app writes. Shapes are drawn with weights: most events are views (of
profiles, in search results and lists, of names in access logs), then
downloads for a purpose (some refused whole for a purpose, a suppression or
the quota), syncs and reads by apps, and members' own downloads.

Who is accessed, and by whom, is skewed the way a network is: subjects and
requesters are drawn from Zipf-like weights over shuffled member ids (a few
members are looked at, and a few recruiters look, far more than the rest),
and one member, the *heavy* one, holds exactly ``heavy_events`` events,
half of them from their own connections. Times follow a Poisson process over the
last ``days`` days, so ``seq`` order is time order, as it is in production.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from app.audit.recorder import (
    EVENT_COLUMNS,
    fields_mask,
    outcome_of,
    refused_json,
    released_json,
)
from app.models.audit import EventAction, Place
from permissions import (
    Audience,
    Field,
    Outcome,
    Purpose,
    Reason,
    Relation,
    ValueLabel,
    ValueRecord,
    policy,
)

APPS = 20
CHUNK = 50_000

# The columns of one event row, in the order :func:`event_rows` yields them.
COLUMNS = ("seq", *EVENT_COLUMNS, "leaf_index")

_ANY = policy(Audience.PUBLIC, Audience.PUBLIC, Audience.PUBLIC)


def _v(field: Field, label: ValueLabel | None = None) -> ValueRecord:
    return ValueRecord(0, field, label, "", _ANY)


NAMES = [_v(Field.FIRST_NAME), _v(Field.LAST_NAME)]
BASIC = [*NAMES, _v(Field.HEADLINE), _v(Field.COMPANY), _v(Field.POSITION), _v(Field.LOCATION)]
WORK_CONTACT = [_v(Field.EMAIL, ValueLabel.WORK), _v(Field.PHONE, ValueLabel.WORK)]
PERSONAL_EMAIL = _v(Field.EMAIL, ValueLabel.PERSONAL)


@dataclass(frozen=True, slots=True)
class Shape:
    """What one kind of event holds, except who, whom, when and in which request."""

    action: str
    place: str
    purpose: str | None
    released: str
    refused: str
    outcome: str
    fields_mask: int
    through_app: bool = False
    anonymous_share: float = 0.0  # of these events, how many come from nobody signed in
    by_self: bool = False


def shape(
    action: EventAction,
    place: Place,
    released: Sequence[ValueRecord],
    withheld: Sequence[tuple[ValueRecord, Reason]] = (),
    *,
    purpose: Purpose | None = None,
    whole: Reason | None = None,
    **kind: float | bool,
) -> Shape:
    """A shape from the engine's answer, written by the recorder's own functions."""
    outcome = Outcome(0, Relation.CONNECTION, list(released), list(withheld), whole)
    return Shape(
        str(action),
        str(place),
        None if purpose is None else str(purpose),
        released_json(outcome),
        refused_json(outcome),
        str(outcome_of(outcome)),
        fields_mask(outcome),
        **kind,  # type: ignore[arg-type]
    )


def _hidden(values: Sequence[ValueRecord]) -> list[tuple[ValueRecord, Reason]]:
    return [(v, Reason.AUDIENCE) for v in values]


V, D, S, R = EventAction.VIEW, EventAction.DOWNLOAD, EventAction.SYNC, EventAction.API_READ
# (shape, weight out of 1,000)
MIX: list[tuple[Shape, int]] = [
    (shape(V, Place.PROFILE, BASIC, _hidden([PERSONAL_EMAIL]), anonymous_share=0.2), 180),
    (shape(V, Place.PROFILE, [*BASIC, *WORK_CONTACT], anonymous_share=0.05), 90),
    (shape(V, Place.PROFILE, [], _hidden(BASIC)), 15),
    (shape(V, Place.SEARCH, NAMES), 200),
    (shape(V, Place.SEARCH, [], _hidden(NAMES)), 10),
    (shape(V, Place.CONNECTIONS, NAMES), 140),
    (shape(V, Place.INVITATIONS, NAMES), 30),
    (shape(V, Place.ACCESS_LOG, NAMES), 70),
    (shape(V, Place.ACCESS_LOG, [], _hidden(NAMES)), 5),
    (
        shape(
            D,
            Place.EXPORT,
            [*NAMES, *WORK_CONTACT],
            _hidden([PERSONAL_EMAIL]),
            purpose=Purpose.RECRUITING,
        ),
        60,
    ),
    (shape(D, Place.EXPORT, [*BASIC, WORK_CONTACT[0]], purpose=Purpose.SALES), 35),
    (shape(D, Place.EXPORT, NAMES, _hidden(WORK_CONTACT), purpose=Purpose.PERSONAL), 15),
    (shape(D, Place.EXPORT, [], whole=Reason.PURPOSE, purpose=Purpose.MARKETING), 12),
    (shape(D, Place.EXPORT, [], whole=Reason.SUPPRESSED, purpose=Purpose.RECRUITING), 4),
    (shape(D, Place.EXPORT, [], whole=Reason.QUOTA, purpose=Purpose.SALES), 4),
    (shape(S, Place.API, [*NAMES, WORK_CONTACT[0]], purpose=Purpose.SALES, through_app=True), 30),
    (shape(S, Place.API, [], whole=Reason.APP_BLOCKED, purpose=Purpose.SALES, through_app=True), 5),
    (shape(R, Place.API, BASIC, through_app=True), 55),
    (shape(R, Place.API, NAMES, _hidden([PERSONAL_EMAIL]), through_app=True), 20),
    (shape(D, Place.SELF_EXPORT, [*BASIC, PERSONAL_EMAIL], by_self=True), 20),
]


class Skewed:
    """Draws member ids with Zipf-like weights over a shuffled order (a few draw most)."""

    def __init__(self, rng: random.Random, ids: Sequence[int], exponent: float) -> None:
        order = list(ids)
        rng.shuffle(order)
        self._ids = order
        self._cum = list(accumulate((rank + 10) ** -exponent for rank in range(len(order))))
        self._rng = rng

    def draw(self, k: int) -> list[int]:
        """``k`` ids, with replacement."""
        return self._rng.choices(self._ids, cum_weights=self._cum, k=k)


@dataclass(frozen=True, slots=True)
class Population:
    """Who the events are about and who makes them."""

    members: int
    heavy_id: int
    heavy_connections: Sequence[int]


def _times(rng: random.Random, start: datetime, end: datetime, count: int) -> Iterator[datetime]:
    """``count`` increasing times between ``start`` and ``end`` (a Poisson process)."""
    span = (end - start).total_seconds()
    gap = span / (count + 1)
    t = 0.0
    for _ in range(count):
        t = min(t + rng.expovariate(1 / gap), span)
        yield start + timedelta(seconds=t)


def event_rows(
    rng: random.Random,
    people: Population,
    *,
    events: int,
    heavy_events: int,
    end: datetime,
    days: int = 365,
) -> Iterator[tuple[object, ...]]:
    """``events`` rows in ``COLUMNS`` order, ``seq`` from 1, ``leaf_index`` = ``seq - 1``."""
    shapes = [s for s, _ in MIX]
    cum_shapes = list(accumulate(w for _, w in MIX))
    others = range(1, people.members + 1)
    subjects = Skewed(rng, [m for m in others if m != people.heavy_id], 0.8)
    requesters = Skewed(rng, others, 1.0)
    friends = Skewed(rng, people.heavy_connections, 1.0)
    heavy = set(rng.sample(range(1, events + 1), heavy_events))
    times = _times(rng, end - timedelta(days=days), end, events)
    seq = 0
    while seq < events:
        k = min(CHUNK, events - seq)
        kinds = rng.choices(shapes, cum_weights=cum_shapes, k=k)
        drawn_subjects, drawn_requesters = subjects.draw(k), requesters.draw(k)
        drawn_friends = friends.draw(k)
        for i in range(k):
            seq += 1
            kind = kinds[i]
            mine = seq in heavy
            subject = people.heavy_id if mine else drawn_subjects[i]
            requester: int | None = drawn_friends[i] if mine and i % 2 else drawn_requesters[i]
            if kind.by_self or requester == subject:
                requester = subject
            elif kind.anonymous_share and rng.random() < kind.anonymous_share:
                requester = None
            yield (
                seq,
                next(times),
                requester,
                rng.randint(1, APPS) if kind.through_app else None,
                subject,
                kind.action,
                kind.place,
                kind.purpose,
                kind.released,
                kind.refused,
                kind.outcome,
                f"{rng.getrandbits(128):032x}",
                kind.fields_mask,
                seq - 1,
            )
