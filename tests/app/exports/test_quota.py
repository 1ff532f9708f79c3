"""Quota stores: all-or-nothing reservations, refunds, and no overshoot under concurrency."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
import redis
from flask import Flask
from sqlalchemy.orm import Session

from app.clock import FixedClock
from app.exports.quota import (
    CONTACTS,
    MARKETING,
    DatabaseQuota,
    QuotaExceeded,
    QuotaStore,
    RedisQuota,
    reserve,
    settle,
)
from app.exports.runtime import quota_store
from app.extensions import db, limiter
from tests.conftest import post_form
from tests.database import short_lived_app
from tests.factories import TEST_PASSWORD, make_member
from tests.settings import app_config

REDIS_URL = "redis://127.0.0.1:6379/15"
DAY = date(2026, 11, 22)


@pytest.fixture
def redis_store() -> Iterator[RedisQuota]:
    """A Redis store under a prefix of its own (the server is on the machine and in CI)."""
    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"fieldgate-test:{uuid.uuid4().hex}"
    yield RedisQuota(client, prefix)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture(params=["database", "redis"])
def store_and_member(request: pytest.FixtureRequest, session: Session) -> tuple[QuotaStore, int]:
    member = make_member(session)
    session.commit()
    if request.param == "redis":
        return request.getfixturevalue("redis_store"), member.id
    return DatabaseQuota(session), member.id


def test_a_reservation_is_all_or_nothing(store_and_member: tuple[QuotaStore, int]) -> None:
    store, member_id = store_and_member

    assert store.reserve(member_id, DAY, CONTACTS, 7, limit=10) == 7
    assert store.reserve(member_id, DAY, CONTACTS, 4, limit=10) is None  # would be 11
    assert store.used(member_id, DAY, CONTACTS) == 7  # the refusal consumed nothing
    assert store.reserve(member_id, DAY, CONTACTS, 3, limit=10) == 10


def test_releasing_gives_quota_back(store_and_member: tuple[QuotaStore, int]) -> None:
    store, member_id = store_and_member
    store.reserve(member_id, DAY, CONTACTS, 8, limit=10)

    store.release(member_id, DAY, CONTACTS, 5)

    assert store.used(member_id, DAY, CONTACTS) == 3


def test_a_first_reservation_larger_than_the_limit_is_refused(
    store_and_member: tuple[QuotaStore, int],
) -> None:
    store, member_id = store_and_member
    assert store.reserve(member_id, DAY, CONTACTS, 11, limit=10) is None
    assert store.used(member_id, DAY, CONTACTS) == 0


def test_marketing_has_its_own_lower_limit_and_a_refusal_holds_nothing(
    store_and_member: tuple[QuotaStore, int],
) -> None:
    store, member_id = store_and_member
    now = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    limits = {CONTACTS: 100, MARKETING: 5}

    with pytest.raises(QuotaExceeded) as refusal:
        reserve(store, member_id, {CONTACTS: 6, MARKETING: 6}, limits, now)

    assert refusal.value.kind == MARKETING
    assert refusal.value.resets == datetime(2026, 11, 23, tzinfo=UTC)
    assert refusal.value.seconds_left(now) == 9 * 3600
    assert store.used(member_id, DAY, CONTACTS) == 0
    held = reserve(store, member_id, {CONTACTS: 5, MARKETING: 5}, limits, now)
    settle(store, held, {CONTACTS: 2, MARKETING: 2})
    assert store.used(member_id, DAY, MARKETING) == 2


def _race(reserve_one: Callable[[], int | None], workers: int) -> list[int | None]:
    results: list[int | None] = []
    barrier = threading.Barrier(workers)
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        got = reserve_one()
        with lock:
            results.append(got)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_parallel_reservations_never_pass_the_limit_in_the_database(committed_app: Flask) -> None:
    with committed_app.app_context():
        member_id = make_member(db.session).id
        db.session.commit()
        db.session.remove()

    def reserve_one() -> int | None:
        with committed_app.app_context():
            try:
                return DatabaseQuota(db.session).reserve(member_id, DAY, CONTACTS, 3, limit=10)
            finally:
                db.session.remove()

    results = _race(reserve_one, workers=8)

    assert sum(1 for r in results if r is not None) == 3  # 3 x 3 = 9 <= 10 < 12
    with committed_app.app_context():
        assert DatabaseQuota(db.session).used(member_id, DAY, CONTACTS) == 9
        db.session.remove()


def test_parallel_reservations_never_pass_the_limit_in_redis(redis_store: RedisQuota) -> None:
    results = _race(lambda: redis_store.reserve(1, DAY, CONTACTS, 3, limit=10), workers=8)

    assert sum(1 for r in results if r is not None) == 3
    assert redis_store.used(1, DAY, CONTACTS) == 9


def test_two_parallel_exports_cannot_together_pass_the_limit(committed_app: Flask) -> None:
    from app.disclosure.service import Requester
    from app.exports.selection import Selection
    from app.exports.service import ExportLimits, ExportOrder, start_export
    from app.network.services import connect
    from permissions import Audience, Field, Purpose, policy
    from tests.factories import set_policy

    with committed_app.app_context():
        rita = make_member(db.session, "Rita", "Recruiter")
        for i in range(6):
            contact = make_member(db.session, f"C{i}", "Contact")
            set_policy(
                db.session,
                contact.id,
                Field.EMAIL,
                policy(Audience.CONNECTIONS, Audience.CONNECTIONS, Audience.NOBODY),
            )
            connect(db.session, rita.id, contact.id)
        db.session.commit()
        rita_id = rita.id
        db.session.remove()
    limits = ExportLimits(contacts_per_day=10, marketing_per_day=10)
    order = ExportOrder(Selection(), tuple(Field), "csv", Purpose.RECRUITING)

    def export_once() -> int | None:
        with committed_app.test_request_context():
            try:
                prepared = start_export(
                    db.session, Requester(rita_id), order, limits, DatabaseQuota(db.session)
                )
                return len(b"".join(prepared.body))
            except QuotaExceeded:
                return None
            finally:
                db.session.remove()

    committed_app.config["CLOCK"] = FixedClock(datetime(2026, 11, 23, 23, 59, 59, tzinfo=UTC))
    try:
        results = _race(export_once, workers=2)
    finally:
        committed_app.config.pop("CLOCK")

    assert sorted(r is None for r in results) == [False, True]  # 6 + 6 > 10: one is refused
    with committed_app.app_context():
        assert DatabaseQuota(db.session).used(rita_id, date(2026, 11, 23), CONTACTS) == 6
        db.session.remove()


def test_with_redis_url_every_request_shares_one_redis_store(app: Flask, session: Session) -> None:
    assert isinstance(quota_store(app, session), DatabaseQuota)
    app.config["REDIS_URL"] = REDIS_URL
    try:
        first, second = quota_store(app, session), quota_store(app, session)
        assert isinstance(first, RedisQuota) and first is second
    finally:
        app.config["REDIS_URL"] = None
        app.extensions.pop("fieldgate_quota", None)


UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_with_redis_down_sign_in_works_and_exports_say_why_they_cannot_start(
    app: Flask, session: Session, database_url: str
) -> None:
    # Found by review: one unreachable Redis made sign-in a bare 500 (the rate
    # limiter failed, and again in the error page) and an export a traceback.
    member = make_member(session, "Ada", "Byron")
    session.commit()
    config = app_config(
        database_url,
        REDIS_URL=UNREACHABLE,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=UNREACHABLE,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    )
    try:
        with short_lived_app(config) as down:
            client = down.test_client()
            signed_in = post_form(
                client, "/signin", {"email": member.email, "password": TEST_PASSWORD}
            )
            assert signed_in.status_code == 302

            response = client.get("/exports")

            assert response.status_code == 503
            assert "Export limits cannot be checked right now" in response.get_data(as_text=True)
    finally:
        # One limiter object serves every app: give it back to the suite's app, and
        # forget the dead storage (Flask-Limiter keeps that flag across init_app, and
        # a later test's limits then went to a fallback instead).
        limiter.init_app(app)
        limiter._storage_dead = False
