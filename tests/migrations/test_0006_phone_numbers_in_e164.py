"""Migration 0006 rewrites stored phone numbers in E.164 and leaves, and reports, the rest."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.models.profiles import ProfileValue
from permissions import Field, ValueLabel, default_policy
from tests.database import isolated_database
from tests.factories import make_member
from tests.settings import app_config

MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0006_phone_numbers_in_e164.py"


def _load_migration() -> ModuleType:
    # The file name starts with a digit, so it cannot be imported by name.
    spec = importlib.util.spec_from_file_location("migration_0006", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


migration = _load_migration()


@pytest.mark.parametrize(
    ("stored", "e164"),
    [
        ("+44 20 7946 0991", "+442079460991"),
        ("+44 (0)20-7946-0991", "+442079460991"),
        ("+442079460991", "+442079460991"),
        ("+1 202 555 0123", "+12025550123"),
        ("+68 364 8045862", None),  # the old demo data: no such number
        ("020 7946 0991", None),  # no country code: its country would be a guess
        ("+44 20 7946 0991 ext 12", None),  # E.164 holds no extension
        ("12345", None),
    ],
)
def test_to_e164(stored, e164):
    assert migration.to_e164(stored) == e164


def _phone(session, member_id: int, stored: str) -> int:
    # Written as the code before this revision could have stored it: as typed.
    value = ProfileValue(
        member_id=member_id, field=Field.PHONE, label=ValueLabel.WORK, value=stored
    )
    value.policy = default_policy(Field.PHONE)
    session.add(value)
    session.flush()
    return value.id


def test_convertible_numbers_are_rewritten_and_the_rest_left_and_reported(session):
    member = make_member(session, values={Field.HEADLINE: "+44 20 7946 0991"})
    typed = _phone(session, member.id, "+44 20 7946 0991")
    already = _phone(session, member.id, "+12025550123")
    unreal = _phone(session, member.id, "+68 364 8045862")
    local = _phone(session, member.id, "020 7946 0991")
    american = _phone(session, member.id, "+1 (415) 555-0199")

    report = migration.convert_phone_numbers(session.connection(), page_size=2)

    session.expire_all()
    stored = {v.id: v.value for v in session.query(ProfileValue).filter_by(member_id=member.id)}
    assert stored[typed] == "+442079460991"
    assert stored[already] == "+12025550123"
    assert stored[american] == "+14155550199"
    assert (stored[unreal], stored[local]) == ("+68 364 8045862", "020 7946 0991")
    assert (report.converted, report.already, report.left) == (2, 1, [unreal, local])
    headline = session.query(ProfileValue).filter_by(member_id=member.id, field=Field.HEADLINE)
    assert headline.one().value == "+44 20 7946 0991", "only phone values are touched"


def test_flask_db_upgrade_converts_and_logs_ids_never_numbers(database_url, tmp_path, capsys):
    url = isolated_database(database_url, tmp_path, "phones_0006")
    app = create_app(app_config(url))
    # migrations/alembic.ini sends the log to standard error, as `flask db upgrade` shows it.
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO members (id, handle, email, password_hash, created_at) "
                    "VALUES (1, 'h1', 'ada@example.com', 'x', CURRENT_TIMESTAMP)"
                )
            )
            for value_id, stored in ((10, "+44 20 7946 0991"), (11, "+68 364 8045862")):
                conn.execute(
                    text(
                        "INSERT INTO profile_values (id, member_id, field, label, value, "
                        "is_primary, position, view, download, sync, created_at, updated_at) "
                        "VALUES (:id, 1, 'phone', 'work', :value, false, 0, 'connections', "
                        "'nobody', 'nobody', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": value_id, "value": stored},
                )
        upgrade()
        with db.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, value FROM profile_values")).all())
        db.engine.dispose()

    assert rows == {10: "+442079460991", 11: "+68 364 8045862"}
    log = capsys.readouterr().err
    assert "1 converted to E.164, 0 already in E.164, 1 left as they were" in log
    assert "ids 11" in log
    assert "8045862" not in log and "7946" not in log, "a report names ids, never numbers"
