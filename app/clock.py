"""The time, from one place: the system clock, or the clock an app is configured with.

Every timestamp the app writes and every window it computes (sessions, quota
days, digest weeks) reads :func:`utcnow`. Tests and scripts that need a
fixed or moving time set ``CLOCK`` in the app's configuration to a callable
returning an aware UTC datetime (:class:`FixedClock`), so nothing depends on
when a test happens to run, UTC midnight included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the configured clock's, if any)."""
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            now: datetime = clock()
            return now
    return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: for tests and reproducible scripts."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock keeps aware UTC time")
        self.current = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward (``advance(days=1, seconds=5)``) and return the new time."""
        self.current += timedelta(**delta)
        return self.current


@contextmanager
def clock_at(moment: datetime) -> Iterator[FixedClock]:
    """Run the block with the current app's clock standing at ``moment`` (for scripts).

    The demo loader uses it to write weeks of history through the real paths.
    """
    previous = current_app.config.get("CLOCK")
    clock = FixedClock(moment)
    current_app.config["CLOCK"] = clock
    try:
        yield clock
    finally:
        current_app.config["CLOCK"] = previous
