"""DisclosedChunks: disclose() chunk by chunk, the next chunk read ahead on PostgreSQL.

These tests commit for real (``committed_app``): a read-ahead runs on a
connection of its own, which cannot see a test's rolled-back transaction.
On SQLite the same tests check the plain path, chunk by chunk on the caller's
session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import app.disclosure.service as service
from app.disclosure.service import DisclosedChunks, Requester, disclose
from app.extensions import db
from app.models.audit import AccessEvent, Place
from permissions import Action, Audience, Field, policy
from tests.app.exports.helpers import recruiter_with
from tests.factories import set_policy

HIDDEN = policy(Audience.NOBODY, Audience.NOBODY, Audience.NOBODY)


@pytest.fixture
def network(committed_app: Flask) -> Iterator[tuple[Session, int, list[int]]]:
    """A requester with six connections, committed; the app's own session."""
    with committed_app.app_context():
        requester, contacts = recruiter_with(db.session, 6)
        db.session.commit()
        yield db.session, requester.id, [c.id for c in contacts]
        db.session.rollback()
        db.end_session()


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[0:2], ids[2:4], ids[4:6]]


def _events(session: Session) -> int:
    session.rollback()  # a fresh snapshot of what is committed
    return session.scalar(select(func.count()).select_from(AccessEvent)) or 0


def _released(outcomes: dict[int, service.Outcome]) -> dict[int, list[Field]]:
    return {sid: [v.field for v in o.released] for sid, o in outcomes.items()}


def _reads_ahead(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def test_chunks_give_what_disclose_gives_and_log_each_before_it_is_yielded(
    network: tuple[Session, int, list[int]],
) -> None:
    session, requester_id, ids = network
    requester = Requester(requester_id)
    expected = [
        _released(service.decide_for(session, requester, chunk, action=Action.VIEW))
        for chunk in _chunks(ids)
    ]
    chunks = DisclosedChunks(
        session, requester, _chunks(ids), action=Action.VIEW, place=Place.PROFILE
    )
    assert (chunks.pool is not None) == _reads_ahead(session)
    got = []
    for n, (chunk, outcomes) in enumerate(chunks, start=1):
        assert list(outcomes) == chunk
        got.append(_released(outcomes))
        assert _events(session) == 2 * n  # committed before the caller had them
    assert got == expected
    assert all(released for chunk in got for released in chunk.values())
    assert chunks.pool is None or chunks.pool._shutdown


def test_a_decision_read_ahead_too_long_ago_is_made_again(
    network: tuple[Session, int, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    session, requester_id, ids = network
    monkeypatch.setattr(service, "READ_AHEAD_MAX_AGE", 0.0)
    chunks = DisclosedChunks(
        session, Requester(requester_id), _chunks(ids), action=Action.VIEW, place=Place.PROFILE
    )
    next(chunks)
    assert chunks.pending is not None
    _chunk, ahead = chunks.pending
    if ahead is not None:
        ahead.result()  # the second chunk is decided ahead, with the old policy
    set_policy(session, ids[2], Field.FIRST_NAME, HIDDEN)
    session.commit()

    _chunk, outcomes = next(chunks)

    assert Field.FIRST_NAME not in _released(outcomes)[ids[2]]
    assert Field.FIRST_NAME in _released(outcomes)[ids[3]]
    chunks.close()


def test_closing_early_logs_nothing_more_and_stops_the_read_ahead(
    network: tuple[Session, int, list[int]],
) -> None:
    session, requester_id, ids = network
    chunks = DisclosedChunks(
        session, Requester(requester_id), _chunks(ids), action=Action.VIEW, place=Place.PROFILE
    )
    next(chunks)
    chunks.close()

    assert list(chunks) == []
    assert _events(session) == 2
    assert chunks.pool is None or chunks.pool._shutdown


def test_a_failure_ahead_reaches_the_caller_and_nothing_of_that_chunk_is_logged(
    network: tuple[Session, int, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    session, requester_id, ids = network
    real = service.decide_for

    def failing(s: Session, requester: Requester, chunk: list[int], **kwargs: object) -> object:
        if chunk == ids[2:4]:
            raise RuntimeError("the read failed")
        return real(s, requester, chunk, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "decide_for", failing)
    chunks = DisclosedChunks(
        session, Requester(requester_id), _chunks(ids), action=Action.VIEW, place=Place.PROFILE
    )
    next(chunks)
    with pytest.raises(RuntimeError, match="the read failed"):
        next(chunks)

    assert _events(session) == 2
    assert list(chunks) == []


def test_the_plain_path_is_disclose_chunk_by_chunk(
    network: tuple[Session, int, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    session, requester_id, ids = network
    monkeypatch.setattr(service, "_read_ahead_engine", lambda _session: None)
    chunks = DisclosedChunks(
        session, Requester(requester_id), _chunks(ids), action=Action.VIEW, place=Place.PROFILE
    )
    assert chunks.pool is None
    got = [_released(outcomes) for _chunk, outcomes in chunks]
    plain = [
        _released(
            disclose(session, Requester(requester_id), c, action=Action.VIEW, place=Place.PROFILE)
        )
        for c in _chunks(ids)
    ]
    assert got == plain
    assert _events(session) == 12
