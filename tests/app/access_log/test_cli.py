"""``flask audit verify``, ``prune`` and ``report`` as the operator runs them."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.apps.registration import delete_app
from app.audit.note import verifier_key_for
from app.audit.sequencer import take_lease
from app.clock import utcnow
from app.models.audit import LEASE_ID, AccessEvent, EventAction, Place, SequencerLease
from permissions import Field, Purpose, Reason
from tests.app.apps.helpers import new_app
from tests.app.audit.helpers import write_events
from tests.factories import make_member


def _log(
    app: Flask,
    session: Session,
    action: EventAction,
    purpose: Purpose | None,
    n: int,
    app_id: int | None = None,
    refused: bool = False,
) -> None:
    write_events(
        app,
        session,
        range(1, n + 1),
        requester_id=5,
        action=action,
        place=Place.EXPORT,
        purpose=purpose,
        app_id=app_id,
        fields=[Field.EMAIL],
        refused=Reason.PURPOSE if refused else None,
    )


def _sequence(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["audit", "sequencer", "--once"])
    assert result.exit_code == 0, result.output


def test_verify_exits_zero_on_an_intact_log(app: Flask, session: Session) -> None:
    _log(app, session, EventAction.VIEW, None, 3)
    _sequence(app)

    result = app.test_cli_runner().invoke(args=["audit", "verify"])

    assert result.exit_code == 0, result.output
    assert "intact: 3 stored events verified against a tree of 3 leaves" in result.output


def test_verify_exits_non_zero_naming_the_first_bad_event(app: Flask, session: Session) -> None:
    _log(app, session, EventAction.VIEW, None, 3)
    _sequence(app)
    seq = session.scalars(select(AccessEvent.seq).order_by(AccessEvent.seq)).all()[1]
    session.execute(update(AccessEvent).where(AccessEvent.seq == seq).values(subject_id=42))
    session.commit()

    result = app.test_cli_runner().invoke(args=["audit", "verify"])

    assert result.exit_code == 1
    assert f"BROKEN: event {seq} (leaf 1) was changed or moved" in result.output


def test_keygen_prints_a_signing_key_and_its_verifier_key(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["audit", "keygen", "--origin", "logs.example/a"])

    assert result.exit_code == 0, result.output
    key = result.stdout.strip().removeprefix("AUDIT_SIGNING_KEY=")
    assert verifier_key_for(key) in result.stderr
    assert verifier_key_for(key).startswith("logs.example/a+")


def test_prune_rejects_a_malformed_date(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(args=["audit", "prune", "--before", "last year"])
    assert result.exit_code == 2
    assert "not a date like" in result.output


def test_report_groups_exports_and_syncs_by_purpose_and_app(app: Flask, session: Session) -> None:
    _log(app, session, EventAction.DOWNLOAD, Purpose.RECRUITING, 4)
    _log(app, session, EventAction.DOWNLOAD, Purpose.RECRUITING, 2, refused=True)
    _log(app, session, EventAction.SYNC, Purpose.SALES, 3, app_id=9)
    _log(app, session, EventAction.VIEW, None, 5)  # views are not processing records

    result = app.test_cli_runner().invoke(args=["audit", "report", "--since", "2000-01-01"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    recruiting = next(line for line in lines if line.startswith("recruiting"))
    assert recruiting.split() == ["recruiting", "download", "1", "4", "2"]
    assert ["App", "#9", "sync", "1", "3", "0"] in [line.split() for line in lines]  # no such app
    assert "view" not in result.output.split("By app")[1]


def test_report_names_apps_as_the_access_log_does(app: Flask, session: Session) -> None:
    # Found by review: the "By app" rows said "1", "2"; the member's CSV names apps.
    developer = make_member(session, "Dev", "Eloper")
    session.commit()
    kept, _ = new_app(app, session, developer, name="CRM Sync")
    gone, _ = new_app(app, session, developer, name="A Sourcing Tool With A Long Name")
    delete_app(session, gone)
    session.commit()
    _log(app, session, EventAction.SYNC, Purpose.SALES, 3, app_id=kept.id)
    _log(app, session, EventAction.DOWNLOAD, Purpose.SALES, 2, app_id=gone.id)

    result = app.test_cli_runner().invoke(args=["audit", "report", "--since", "2000-01-01"])

    by_app = result.output.split("By app")[1].splitlines()
    assert any(
        row.startswith("CRM Sync ") and row.split()[-4:] == ["sync", "1", "3", "0"]
        for row in by_app
    ), by_app
    named = [row for row in by_app if row.startswith("A Sourcing Tool With A Long Name ")]
    assert len(named) == 1 and named[0].split()[-4:] == ["download", "1", "2", "0"]
    assert not any(row.split()[0] in (str(kept.id), str(gone.id)) for row in by_app[2:])


def test_prune_refuses_a_day_in_the_future(app: Flask, session: Session) -> None:
    # Found by review: "--before 2999-01-01" (a mistyped year) removed every event.
    _log(app, session, EventAction.VIEW, None, 3)
    _sequence(app)

    result = app.test_cli_runner().invoke(args=["audit", "prune", "--before", "2999-01-01"])

    assert result.exit_code == 2 and "is in the future" in result.output
    assert len(list(session.scalars(select(AccessEvent.seq)))) == 3


def test_one_round_gives_its_lease_back_at_once(app: Flask, session: Session) -> None:
    # Found by review: `--once` kept the lease for its 30 s, so the running sequencer
    # sealed nothing meanwhile and `verify` reported events left unsealed.
    _log(app, session, EventAction.VIEW, None, 2)
    _sequence(app)

    lease = session.get(SequencerLease, LEASE_ID)
    assert lease is not None and lease.expires_at < utcnow()
    assert take_lease(session, "the long-running sequencer")


def test_one_round_says_so_when_another_sequencer_is_at_work(app: Flask, session: Session) -> None:
    assert take_lease(session, "host-a:42:running")
    _log(app, session, EventAction.VIEW, None, 2)

    result = app.test_cli_runner().invoke(args=["audit", "sequencer", "--once"])

    assert result.exit_code == 0
    assert "Another sequencer (host-a:42:running, until" in result.output
    assert session.scalar(select(AccessEvent.leaf_index).limit(1)) is None  # not sealed here
