"""``flask export``: the operator's scripted export, with the same rule, log and manifest."""

from __future__ import annotations

import csv
import io
import json

from app.models.audit import AccessEvent
from permissions import Audience, Field, policy
from tests.app.exports.helpers import recruiter_with
from tests.factories import set_policy

DOWNLOADABLE = policy(Audience.CONNECTIONS, Audience.CONNECTIONS, Audience.NOBODY)


def test_the_command_writes_the_permitted_file_and_prints_the_manifest(app, session, tmp_path):
    rita, (open_, closed) = recruiter_with(session, 2)
    set_policy(session, open_.id, Field.EMAIL, DOWNLOADABLE)
    session.commit()
    target = tmp_path / "contacts.csv"

    result = app.test_cli_runner().invoke(
        args=[
            *("export", "--requester", rita.email, "--format", "csv", "--purpose", "sales"),
            *("--fields", "first_name,email", "-o", str(target)),
        ]
    )

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert {r["E-mail (personal)"] for r in rows} == {open_.email, ""}
    assert closed.email not in target.read_text(encoding="utf-8")
    manifest = json.loads(result.stderr)
    assert manifest["people"]["included"] == 2
    assert manifest["values"]["withheld"] is None  # fewer than 5 people: nothing told
    assert session.query(AccessEvent).filter_by(requester_id=rita.id).count() == 2


def test_bad_arguments_are_clear_errors_and_release_nothing(app, session):
    rita, _ = recruiter_with(session, 1)
    session.commit()
    runner = app.test_cli_runner()
    base = ["export", "--requester", rita.email, "--format", "csv", "--purpose", "sales"]

    cases = {
        "no member signs in with that e-mail": [
            "export",
            "--requester",
            "nobody@example.com",
            "--format",
            "csv",
            "--purpose",
            "sales",
        ],
        "known fields": [*base, "--fields", "salary"],
        "not among your connections": [*base, "--people", "nosuchhandle"],
        # Empty or double choices are refused, never read as everyone (found by review).
        "give at least one handle": [*base, "--people", " , "],
        "give part of a name": [*base, "--search", ""],
        "not both": [*base, "--people", "someone", "--search", "Con"],
        "'xlsx' is not one of": [
            "export",
            "--requester",
            rita.email,
            "--format",
            "xlsx",
            "--purpose",
            "sales",
        ],
    }
    for message, args in cases.items():
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert message in result.output, (message, result.output)
    assert session.query(AccessEvent).filter_by(requester_id=rita.id).count() == 0


def test_a_quota_store_that_cannot_be_reached_is_one_line_and_releases_nothing(
    app, session, monkeypatch
):
    # Found by review: with Redis down the command printed a 102-line traceback.
    rita, (contact,) = recruiter_with(session, 1)
    set_policy(session, contact.id, Field.EMAIL, DOWNLOADABLE)  # so the quota is reserved
    session.commit()
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens
    monkeypatch.delitem(app.extensions, "fieldgate_quota", raising=False)

    result = app.test_cli_runner().invoke(
        args=["export", "--requester", rita.email, "--format", "csv", "--purpose", "sales"]
    )

    assert isinstance(result.exception, SystemExit) and result.exit_code == 1
    assert result.output.startswith("Error: Export limits cannot be checked")
    assert len(result.output.strip().splitlines()) == 1
    assert session.query(AccessEvent).filter_by(requester_id=rita.id).count() == 0
