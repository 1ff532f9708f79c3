"""bench.api's floor does the database work of one API page, and no more (review 2).

The API writes a page's access events in one transaction (``BEGIN IMMEDIATE``
on SQLite, see app/database.py). The floor runs on a raw DB-API connection
of the same engine; on SQLite that connection is in autocommit mode
(``isolation_level = None``, set by ``tune_engine``) and only SQLAlchemy's
"begin" event issues the BEGIN, which the raw connection never fires. So the
floor's ``executemany`` committed each of the page's 100 events on its own,
and ``connection.commit()`` had nothing left to commit: a hundred write
transactions where the API makes one. The floor then costs more than the
rule requires, and ``floor_ratio`` ("the best ratio any implementation could
reach") is understated on SQLite, which is what ``python -m bench.api`` uses
when ``DATABASE_URL`` is not PostgreSQL (and what the suite runs).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.audit.recorder import EVENT_COLUMNS
from app.extensions import db
from bench import api
from bench.export import seed
from bench.seed import bench_app, scratch_database


@pytest.fixture
def served(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)  # SQLite, as the suite runs
    with scratch_database(str(tmp_path)) as url:
        seed(url, 5)
        app = bench_app(url)
        api.issue_token(app)
        with app.app_context():
            db.engine.dispose()
        monkeypatch.setenv("BENCH_DATABASE_URL", url)
        served_app = api.served_app()
        yield served_app
        with served_app.app_context():
            db.engine.dispose()


def _events(app) -> list[tuple]:
    with app.app_context():
        columns = ", ".join(EVENT_COLUMNS)
        rows = [tuple(r) for r in db.session.execute(text(f"SELECT {columns} FROM access_events"))]
        db.session.rollback()
        return rows


def test_the_floor_writes_a_pages_events_in_one_transaction_as_the_api_does(served) -> None:
    page = _events(served)  # the events the captured API page wrote at start-up
    assert len(page) == 5
    subject = EVENT_COLUMNS.index("subject_id")
    # The page's events, then one the table refuses (subject_id is NOT NULL):
    # in one transaction, none of them may stay.
    refused = tuple(None if i == subject else v for i, v in enumerate(page[-1]))
    with served.app_context():
        floor = api.Floor(served, [*page, refused], [row[subject] for row in page])
        with served.test_request_context(), pytest.raises(Exception, match="NOT NULL"):
            floor()
    after = _events(served)
    assert len(after) == len(page), (
        f"{len(after) - len(page)} of the floor's events were committed one by one "
        "before the transaction failed"
    )
