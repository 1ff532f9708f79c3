"""The development signing key: made once, whole, however many threads ask first."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask

from app.audit.note import verifier_key_for
from app.audit.signing import signer_key

ORIGIN = "fieldgate.localhost/access-log"


def _race(instance: Path, threads: int = 6) -> tuple[list[str], list[Exception]]:
    """``threads`` threads asking a fresh instance for its key at the same moment."""
    app = Flask("signing", instance_path=str(instance))
    app.config["AUDIT_LOG_ORIGIN"] = ORIGIN
    start = threading.Barrier(threads)
    keys: list[str] = []
    errors: list[Exception] = []

    def ask() -> None:
        start.wait()
        try:
            keys.append(signer_key(app))
        except Exception as exc:
            errors.append(exc)

    workers = [threading.Thread(target=ask) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return keys, errors


def test_threads_asking_at_once_all_get_the_one_key_made(tmp_path: Path) -> None:
    # Found by review: the sequencer thread and the first request made the key at
    # the same time; one got FileExistsError, or read the file before the key was in.
    for trial in range(20):
        instance = tmp_path / str(trial)

        keys, errors = _race(instance)

        assert errors == []
        assert len(set(keys)) == 1 and verifier_key_for(keys[0]).startswith(ORIGIN)
        assert (instance / "audit_signing_key").read_text() == keys[0]
        assert [p.name for p in instance.iterdir()] == ["audit_signing_key"]  # no drafts left
