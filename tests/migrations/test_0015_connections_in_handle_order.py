"""Migration 0015 copies each connection's other handle onto the connection rows."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.database import isolated_database
from tests.settings import app_config


def test_existing_connections_get_the_other_members_handle(database_url, tmp_path):
    url = isolated_database(database_url, tmp_path, "handles_0015")
    app = create_app(app_config(url))
    with app.app_context():
        upgrade(revision="0014")
        with db.engine.begin() as conn:
            for member_id, handle in ((1, "zzz1"), (2, "aaa2"), (3, "mmm3")):
                conn.execute(
                    text(
                        "INSERT INTO members (id, handle, email, password_hash, created_at) "
                        "VALUES (:id, :handle, :email, 'x', CURRENT_TIMESTAMP)"
                    ),
                    {"id": member_id, "handle": handle, "email": f"m{member_id}@example.com"},
                )
            for a, b in ((1, 2), (2, 1), (1, 3), (3, 1)):
                conn.execute(
                    text(
                        "INSERT INTO connections (member_id, other_id, created_at) "
                        "VALUES (:a, :b, CURRENT_TIMESTAMP)"
                    ),
                    {"a": a, "b": b},
                )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT member_id, other_id, other_handle FROM connections"
                    " ORDER BY member_id, other_handle"
                )
            ).all()
        db.engine.dispose()

    assert [tuple(r) for r in rows] == [
        (1, 2, "aaa2"),
        (1, 3, "mmm3"),
        (2, 1, "zzz1"),
        (3, 1, "zzz1"),
    ]
