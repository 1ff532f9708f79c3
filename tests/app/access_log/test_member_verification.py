"""A member checks their own download with docs/verify_access_log.py, as the README says.

The script imports nothing from Fieldgate. Each tampering the issue names is
caught by it: a changed row shows in the download's own proofs; and an
operator who rebuilds and re-signs the tree after deleting, changing or
reordering an event is caught by the consistency proof from a checkpoint the
member kept.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.audit import tree
from app.audit.integrity import verify
from app.audit.note import verifier_key_for
from app.audit.tree import seal_pending
from app.clock import utcnow
from app.models.accounts import Member
from app.models.audit import AccessEvent
from permissions import Field
from tests.app.audit.helpers import write_events
from tests.app.audit.test_tree import _seal, rebuild_tree
from tests.conftest import Auth
from tests.factories import make_member
from tests.settings import TEST_ORIGIN, TEST_SIGNER_KEY

SCRIPT = Path(__file__).resolve().parents[3] / "docs" / "verify_access_log.py"


def _script(tmp_path: Path, download: bytes, *extra: str) -> subprocess.CompletedProcess[str]:
    events = tmp_path / "events.json"
    events.write_bytes(download)
    return subprocess.run(  # noqa: S603  (our own script, our own arguments)
        [
            sys.executable,
            str(SCRIPT),
            str(events),
            "--key",
            verifier_key_for(TEST_SIGNER_KEY),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def ada(app: Flask, client: FlaskClient, auth: Auth, session: Session) -> Member:
    """A member whose data six others viewed, sealed in three checkpoints; signed in."""
    member = make_member(session, "Ada", "Lovelace")
    for requester in (11, 12, 13, 14, 15, 16):
        write_events(app, session, [member.id], requester_id=requester, fields=[Field.EMAIL])
        if requester % 2 == 0:
            _seal(session)
    session.commit()
    auth.login(member.email)
    return member


def _download(client: FlaskClient) -> bytes:
    response = client.get("/access/events.json")
    assert response.status_code == 200
    return response.get_data()


def test_a_download_checks_out_with_the_members_own_script(
    app: Flask, client: FlaskClient, session: Session, ada: Member, tmp_path: Path
) -> None:
    write_events(app, session, [ada.id], requester_id=17, fields=[Field.EMAIL])  # not sealed yet
    session.commit()
    data = _download(client)

    document = json.loads(data)
    assert document["checkpoint"].split("\n")[1] == "6"
    sealed = [e for e in document["events"] if e["leaf_index"] is not None]
    pending = [e for e in document["events"] if e["leaf_index"] is None]
    assert len(sealed) == 6 and len(pending) == 1
    assert "requester_id" not in pending[0]  # ids count registrations; no leaf holds one yet

    result = _script(tmp_path, data)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"event {pending[0]['seq']}: pending" in result.stdout  # each event by its number
    assert f"event {sealed[0]['seq']}: sealed in the log" in result.stdout
    assert "1 event(s) pending" in result.stdout and "--require-sealed" in result.stdout


def test_a_pending_event_fails_when_the_member_requires_every_event_sealed(
    app: Flask, client: FlaskClient, session: Session, ada: Member, tmp_path: Path
) -> None:
    write_events(app, session, [ada.id], requester_id=17, fields=[Field.EMAIL])  # held back
    session.commit()

    held_back = _script(tmp_path, _download(client), "--require-sealed")
    _seal(session)
    later = _script(tmp_path, _download(client), "--require-sealed")

    assert held_back.returncode == 1 and "1 event(s) not sealed" in held_back.stdout
    assert later.returncode == 0, later.stdout + later.stderr


def test_a_download_made_before_any_checkpoint_fails_with_a_reason(
    client: FlaskClient, ada: Member, tmp_path: Path
) -> None:
    document = json.loads(_download(client))
    document["checkpoint"] = None  # what a download says before the log's first checkpoint

    result = _script(tmp_path, json.dumps(document).encode())

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "carries no checkpoint" in result.stdout


def test_a_changed_event_fails_the_script(
    client: FlaskClient, session: Session, ada: Member, tmp_path: Path
) -> None:
    session.execute(update(AccessEvent).where(AccessEvent.leaf_index == 2).values(place="search"))
    session.commit()

    result = _script(tmp_path, _download(client))

    assert result.returncode == 1


def test_an_event_shown_differently_than_its_leaf_fails_the_script(
    client: FlaskClient, ada: Member, tmp_path: Path
) -> None:
    document = json.loads(_download(client))
    document["events"][0]["purpose"] = "marketing"  # the file says what the leaf does not

    result = _script(tmp_path, json.dumps(document).encode())

    assert result.returncode == 1 and "purpose" in result.stdout + result.stderr


@pytest.mark.parametrize("left_out", ["released", "purpose", "requester_handle", "salt"])
def test_an_event_that_leaves_out_what_its_leaf_records_fails_the_script(
    client: FlaskClient, ada: Member, tmp_path: Path, left_out: str
) -> None:
    # Found by review: only fields the event showed were compared with its leaf, so a
    # file that left "released" out (showing only its words, "released_titles") passed.
    document = json.loads(_download(client))
    del document["events"][0][left_out]

    result = _script(tmp_path, json.dumps(document).encode())

    assert result.returncode == 1 and left_out in result.stdout


def _delete(session: Session) -> None:
    session.execute(delete(AccessEvent).where(AccessEvent.leaf_index == 1))


def _change(session: Session) -> None:
    session.execute(
        update(AccessEvent).where(AccessEvent.leaf_index == 1).values(outcome="refused")
    )


def _reorder(session: Session) -> None:
    first, second = session.scalars(
        select(AccessEvent.seq).where(AccessEvent.leaf_index.in_([1, 2])).order_by(AccessEvent.seq)
    ).all()
    # Swapping the database's numbers makes the rebuilt tree take them the other way round.
    session.execute(update(AccessEvent).where(AccessEvent.seq == first).values(seq=-1))
    session.execute(update(AccessEvent).where(AccessEvent.seq == second).values(seq=first))
    session.execute(update(AccessEvent).where(AccessEvent.seq == -1).values(seq=second))


@pytest.mark.parametrize(
    "tamper", [_delete, _change, _reorder], ids=["delete", "change", "reorder"]
)
def test_a_rebuilt_and_resigned_log_fails_against_a_kept_checkpoint(
    app: Flask,
    client: FlaskClient,
    session: Session,
    ada: Member,
    tmp_path: Path,
    tamper: Callable[[Session], None],
) -> None:
    kept = json.loads(_download(client))["checkpoint"]
    old_size = int(kept.split("\n")[1])
    tamper(session)
    rebuild_tree(session, forget_checkpoints=True)  # an operator with the key re-signs
    write_events(app, session, [ada.id], requester_id=30, fields=[Field.EMAIL])
    _seal(session)
    session.commit()
    fresh = _download(client)
    new_size = int(json.loads(fresh)["checkpoint"].split("\n")[1])
    assert _script(tmp_path, fresh).returncode == 0  # alone, the new file looks fine
    (tmp_path / "old.txt").write_text(kept)
    proof = client.get(f"/.well-known/fieldgate-log/consistency?first={old_size}&second={new_size}")
    (tmp_path / "consistency.json").write_bytes(proof.get_data())

    result = _script(
        tmp_path,
        fresh,
        "--old-checkpoint",
        str(tmp_path / "old.txt"),
        "--consistency",
        str(tmp_path / "consistency.json"),
    )

    assert result.returncode == 1, result.stdout


def test_an_untouched_log_passes_against_a_kept_checkpoint(
    app: Flask, client: FlaskClient, session: Session, ada: Member, tmp_path: Path
) -> None:
    kept = json.loads(_download(client))["checkpoint"]
    write_events(app, session, [ada.id], requester_id=31, fields=[Field.EMAIL])
    _seal(session)
    session.commit()
    fresh = _download(client)
    (tmp_path / "old.txt").write_text(kept)
    size = json.loads(fresh)["checkpoint"].split("\n")[1]  # with the first download's own events
    proof = client.get(f"/.well-known/fieldgate-log/consistency?first=6&second={size}")
    (tmp_path / "consistency.json").write_bytes(proof.get_data())

    result = _script(
        tmp_path,
        fresh,
        "--old-checkpoint",
        str(tmp_path / "old.txt"),
        "--consistency",
        str(tmp_path / "consistency.json"),
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_logs_public_endpoints_answer_errors_in_json_to_curl(client: FlaskClient) -> None:
    # Found by review: the README's plain `curl ... > consistency.json` stored an HTML page.
    response = client.get("/.well-known/fieldgate-log/consistency?first=0&second=x")

    assert response.status_code == 400 and response.is_json
    assert "'second' must be a tree size" in response.get_json()["message"]


def test_the_checking_script_is_served_as_the_readme_prints_it(client: FlaskClient) -> None:
    served = client.get("/.well-known/fieldgate-log/verify_access_log.py")

    assert served.status_code == 200
    assert served.headers["Content-Disposition"] == "attachment; filename=verify_access_log.py"
    assert served.get_data(as_text=True) == SCRIPT.read_text(encoding="utf-8")


def test_the_page_tells_a_member_how_to_check_their_download(
    client: FlaskClient, ada: Member
) -> None:
    page = client.get("/access").get_data(as_text=True)

    assert "How can I check this myself?" in page
    assert 'href="/.well-known/fieldgate-log/verify_access_log.py"' in page
    assert "see the README" not in page  # members have no README


def test_tree_sizes_of_ten_digits_and_more_are_sizes(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The endpoint allowed 18 digits but read at most 9 (found by review).
    monkeypatch.setattr("app.access_log.api.tree_state", lambda _s: SimpleNamespace(size=5 * 10**9))
    monkeypatch.setattr("app.access_log.api.consistency_proof", lambda _a, _b, _r: [])
    response = client.get(
        "/.well-known/fieldgate-log/consistency?first=1000000000&second=1000000001"
    )
    assert response.status_code == 200 and response.get_json() == {"proof": []}


def _seal_as_between_0012_and_0016(monkeypatch: pytest.MonkeyPatch, session: Session) -> None:
    """Seal as the sequencer did before migration 0016: salted leaves naming requesters by id."""
    by_id = tree.leaf_bytes_of
    monkeypatch.setattr(tree, "HANDLE_COLUMNS", tree._LEAF_COLUMNS)
    monkeypatch.setattr(tree, "with_requester_handle", lambda stmt: stmt)
    monkeypatch.setattr(tree, "leaf_bytes_of", lambda columns, by_handle: by_id(columns))
    monkeypatch.setattr(tree, "BY_HANDLE", None)  # leaf_format stays NULL
    _seal(session)
    monkeypatch.undo()


@pytest.mark.parametrize("salted", [True, False])
def test_a_log_sealed_partly_by_id_before_migration_0016_checks_out(
    app: Flask,
    client: FlaskClient,
    auth: Auth,
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    salted: bool,
) -> None:
    # Leaves sealed before 0016 name the requester by id and keep their bytes; those
    # sealed since name them by handle. Both kinds verify, on the server and in the script.
    ada, vic = make_member(session, "Ada", "Lovelace"), make_member(session, "Vic", "Viewer")
    session.commit()
    write_events(app, session, [ada.id], requester_id=vic.id, fields=[Field.EMAIL])
    if salted:  # as sealed from migration 0012 to 0016
        _seal_as_between_0012_and_0016(monkeypatch, session)
    else:  # as the code before salts and handles sealed (migration 0008 still does)
        while seal_pending(session, TEST_SIGNER_KEY, TEST_ORIGIN, salted=False).events:
            pass
    write_events(app, session, [ada.id], requester_id=vic.id, fields=[Field.EMAIL])
    _seal(session)
    session.commit()
    assert verify(
        session, verifier_key_for(TEST_SIGNER_KEY), TEST_ORIGIN, now=utcnow(), delay=timedelta(1)
    ).ok
    auth.login(ada.email)

    data = _download(client)
    old, new = json.loads(data)["events"]

    old_leaf = json.loads(base64.b64decode(old["leaf"]))
    assert old["requester_id"] == old_leaf["requester_id"] == vic.id
    assert ("salt" in old_leaf) is salted and "requester_handle" not in old_leaf
    assert "requester_id" not in new and new["requester_handle"] == vic.handle
    result = _script(tmp_path, data)
    assert result.returncode == 0, result.stdout + result.stderr
