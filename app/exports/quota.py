"""Daily export quotas, reserved before an export starts and settled when it ends.

Hand-written because the semantics are not a request rate: an export needs
an all-or-nothing reservation of N contacts (refused without consuming
anything), and a refund of what it did not use. ``limits`` (under
Flask-Limiter) counts a refused hit as used and has no SQL storage for the
embedded default. Two stores: the database (conditional UPDATE, safe across
workers on one database) and Redis (a Lua script, when ``REDIS_URL`` is set).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

import redis
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.database import affected
from app.models.exports import QuotaUsage

CONTACTS = "contacts"
MARKETING = "marketing"
APP_PREFIX = "app"


def app_kind(app_id: int) -> str:
    """The counter of one app's exports for one member."""
    return f"{APP_PREFIX}{int(app_id)}"


def resets_at(day: date) -> datetime:
    """When a day's quota resets: the next midnight UTC."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class QuotaExceeded(Exception):
    """An export would take a requester over a daily limit."""

    kind: str
    limit: int
    used: int
    wanted: int
    resets: datetime

    def seconds_left(self, now: datetime | None = None) -> float:
        """Seconds until the limit resets (for ``Retry-After``)."""
        return (self.resets - (now or utcnow())).total_seconds()

    def __str__(self) -> str:
        what = {MARKETING: "marketing exports"}.get(self.kind, "exports")
        if self.kind.startswith(APP_PREFIX):
            what = "this app's exports for this member"
        left = max(self.limit - self.used, 0)
        return (
            f"This export would include contact details of {self.wanted} people, but {what} "
            f"may include at most {self.limit} a day and {left} remain today. "
            f"The limit resets at {self.resets:%H:%M} UTC on {self.resets:%d %b %Y}."
        )


class QuotaStore(Protocol):
    """Where counters live."""

    def reserve(self, requester_id: int, day: date, kind: str, n: int, limit: int) -> int | None:
        """Add ``n`` if the total stays within ``limit``; return the new total, or None."""

    def release(self, requester_id: int, day: date, kind: str, n: int) -> None:
        """Give ``n`` back."""

    def used(self, requester_id: int, day: date, kind: str) -> int:
        """The day's total so far."""


class DatabaseQuota:
    """Counters in ``quota_usage``; every call commits its own short transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _where(self, requester_id: int, day: date, kind: str) -> tuple[ColumnElement[bool], ...]:
        return (
            QuotaUsage.requester_id == requester_id,
            QuotaUsage.day == day,
            QuotaUsage.kind == kind,
        )

    def reserve(self, requester_id: int, day: date, kind: str, n: int, limit: int) -> int | None:
        where = self._where(requester_id, day, kind)
        for _attempt in range(2):
            # The condition is re-checked under the row lock, so concurrent
            # reservations cannot pass the limit together.
            done = affected(
                self.session.execute(
                    update(QuotaUsage)
                    .where(*where, QuotaUsage.used + n <= limit)
                    .values(used=QuotaUsage.used + n)
                )
            )
            if done:
                self.session.commit()
                return self.used(requester_id, day, kind)
            if self.session.scalar(select(QuotaUsage.used).where(*where)) is not None:
                self.session.rollback()
                return None
            if n > limit:
                self.session.rollback()
                return None
            try:
                with self.session.begin_nested():
                    self.session.add(
                        QuotaUsage(requester_id=requester_id, day=day, kind=kind, used=n)
                    )
                self.session.commit()
                return n
            except IntegrityError:  # another worker created the row first: update it instead
                self.session.rollback()
        return None

    def release(self, requester_id: int, day: date, kind: str, n: int) -> None:
        if n <= 0:
            return
        self.session.execute(
            update(QuotaUsage)
            .where(*self._where(requester_id, day, kind))
            .values(used=QuotaUsage.used - n)
        )
        self.session.commit()

    def used(self, requester_id: int, day: date, kind: str) -> int:
        value = self.session.scalar(
            select(QuotaUsage.used).where(*self._where(requester_id, day, kind))
        )
        return value or 0


_RESERVE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local n, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
if used + n > limit then return -1 end
used = redis.call('INCRBY', KEYS[1], n)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return used
"""
_RELEASE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local left = math.max(used - tonumber(ARGV[1]), 0)
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SET', KEYS[1], left, 'KEEPTTL') end
return left
"""


class QuotaUnavailable(RuntimeError):
    """The shared quota store cannot be reached: no export may start (fail closed)."""


class RedisQuota:
    """Counters in Redis, shared by every worker; each update is one atomic script.

    Redis being unreachable raises :class:`QuotaUnavailable`: an export never
    starts without its quota reserved, and the page says why.
    """

    def __init__(self, client: object, prefix: str = "fieldgate:quota") -> None:
        self.client = client
        self.prefix = prefix
        self._reserve = client.register_script(_RESERVE)  # type: ignore[attr-defined]
        self._release = client.register_script(_RELEASE)  # type: ignore[attr-defined]

    def _key(self, requester_id: int, day: date, kind: str) -> str:
        return f"{self.prefix}:{requester_id}:{day.isoformat()}:{kind}"

    def reserve(self, requester_id: int, day: date, kind: str, n: int, limit: int) -> int | None:
        # Kept an hour past the reset (and at least an hour), then Redis forgets the day.
        ttl = max(int((resets_at(day) - utcnow()).total_seconds()), 0) + 3600
        with _reachable():
            total = int(
                self._reserve(keys=[self._key(requester_id, day, kind)], args=[n, limit, ttl])
            )
        return None if total < 0 else total

    def release(self, requester_id: int, day: date, kind: str, n: int) -> None:
        if n > 0:
            with _reachable():
                self._release(keys=[self._key(requester_id, day, kind)], args=[n])

    def used(self, requester_id: int, day: date, kind: str) -> int:
        with _reachable():
            return int(self.client.get(self._key(requester_id, day, kind)) or 0)  # type: ignore[attr-defined]


@contextmanager
def _reachable() -> Iterator[None]:
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise QuotaUnavailable(f"the quota store (Redis) cannot be reached: {exc}") from exc


@dataclass(slots=True)
class Reservation:
    """What one export holds of its requester's quotas for one day."""

    requester_id: int
    day: date
    held: dict[str, int] = field(default_factory=dict)


def reserve(
    store: QuotaStore,
    requester_id: int,
    needs: Mapping[str, int],
    limits: Mapping[str, int],
    now: datetime,
) -> Reservation:
    """Reserve every need, or none of them.

    Raises:
        QuotaExceeded: one of the limits would be passed; nothing stays reserved.
    """
    day = now.astimezone(UTC).date()
    reservation = Reservation(requester_id, day)
    for kind, n in needs.items():
        if n <= 0:
            continue
        if store.reserve(requester_id, day, kind, n, limits[kind]) is None:
            settle(store, reservation, {})
            used = store.used(requester_id, day, kind)
            raise QuotaExceeded(kind, limits[kind], used, n, resets_at(day))
        reservation.held[kind] = n
    return reservation


def settle(store: QuotaStore, reservation: Reservation, used: Mapping[str, int]) -> None:
    """Give back what the export reserved but did not use."""
    for kind, held in reservation.held.items():
        store.release(reservation.requester_id, reservation.day, kind, held - used.get(kind, 0))
    reservation.held = {}


def remaining_today(
    store: QuotaStore, requester_id: int, limits: Mapping[str, int], now: datetime
) -> dict[str, int]:
    """How many contacts with contact details the requester may still export today, per kind."""
    day = now.astimezone(UTC).date()
    return {
        kind: max(limit - store.used(requester_id, day, kind), 0) for kind, limit in limits.items()
    }
