"""How many accesses a member's log holds per UTC day: the numbers behind the 90-day chart."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

CHART_DAYS = 90

# One count per day, each a range of the member's (subject_id, occurred_at)
# index, rather than a GROUP BY on a day computed from every event: at
# 50,000 events in 90 days the ranges take half the time. Hand-written, with
# every day's bounds in one parameter (as app.database.fetch_for_ids binds
# ids): SQLAlchemy's VALUES of 90 rows was compiled anew on every call, which
# cost more than the counting (bench.accesslog_read).
_PER_DAY = {
    "postgresql": (
        "SELECT d.i - 1, (SELECT count(*) FROM access_events e WHERE e.subject_id = %(subject)s"
        " AND e.occurred_at >= d.start AND e.occurred_at < d.stop)"
        " FROM unnest(%(starts)s::timestamptz[], %(stops)s::timestamptz[])"
        " WITH ORDINALITY AS d(start, stop, i)"
    ),
    # SQLite keeps times as UTC text (app.database.UTCDateTime), which sorts as time does.
    "sqlite": (
        "SELECT d.key, (SELECT count(*) FROM access_events e WHERE e.subject_id = :subject"
        " AND e.occurred_at >= json_extract(d.value, '$[0]')"
        " AND e.occurred_at < json_extract(d.value, '$[1]'))"
        " FROM json_each(:days) AS d"
    ),
}
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _params(dialect: str, subject_id: int, days: list[date]) -> dict[str, object]:
    bounds = [(_start(d), _start(d + timedelta(days=1))) for d in days]
    if dialect == "postgresql":
        return {
            "subject": subject_id,
            "starts": [start for start, _stop in bounds],
            "stops": [stop for _start, stop in bounds],
        }
    texts = [[start.strftime(_SQLITE_TIME), stop.strftime(_SQLITE_TIME)] for start, stop in bounds]
    return {"subject": subject_id, "days": json.dumps(texts)}


def daily_counts(
    session: Session, subject_id: int, today: date, days: int = CHART_DAYS
) -> list[tuple[date, int]]:
    """Accesses per UTC day over the last ``days`` days ending ``today``, zeros included."""
    first = today - timedelta(days=days - 1)
    chart = [first + timedelta(days=i) for i in range(days)]
    connection = session.connection()
    dialect = connection.dialect.name
    result = connection.exec_driver_sql(_PER_DAY[dialect], _params(dialect, subject_id, chart))
    counts = {int(i): int(n) for i, n in result}
    return [(day, counts.get(i, 0)) for i, day in enumerate(chart)]
