"""The access log's signing key: from the configuration, or made once for development.

Checkpoints are signed with an Ed25519 key in the signed-note format
(:mod:`app.audit.note`), named by the log's origin. In production the key
comes from ``AUDIT_SIGNING_KEY`` (``flask audit keygen`` makes one). In
development, the first use writes one into ``instance/audit_signing_key``
(owner-only) and says where, so ``make run`` needs no set-up.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from flask import Flask, current_app

from app.audit.note import NoteError, generate_signer_key, verifier_key_for

KEY_FILE = "audit_signing_key"


class SigningKeyError(RuntimeError):
    """The configured signing key is unusable (malformed, or named for another origin)."""


def origin() -> str:
    """The log's origin, the first line of every checkpoint."""
    return str(current_app.config["AUDIT_LOG_ORIGIN"])


def signer_key(app: Flask | None = None) -> str:
    """The signer key for checkpoints (made and kept in the instance folder in development).

    Raises:
        SigningKeyError: the key is malformed or named for another origin.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    configured = app.config.get("AUDIT_SIGNING_KEY")
    key = str(configured) if configured else _instance_key(app)
    try:
        verifier = verifier_key_for(key)
    except NoteError as exc:
        raise SigningKeyError(f"AUDIT_SIGNING_KEY is not a signer key: {exc}") from exc
    name = verifier.split("+", 1)[0]
    if name != app.config["AUDIT_LOG_ORIGIN"]:
        raise SigningKeyError(
            f"the signing key is named {name!r} but AUDIT_LOG_ORIGIN is "
            f"{app.config['AUDIT_LOG_ORIGIN']!r}; they must be the same"
        )
    return key


def verifier_key(app: Flask | None = None) -> str:
    """The public verifier key members and auditors check checkpoints with."""
    return verifier_key_for(signer_key(app))


def _instance_key(app: Flask) -> str:
    path = Path(app.instance_path) / KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = generate_signer_key(app.config["AUDIT_LOG_ORIGIN"])
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under a name of its own, then linked into place: the first
    # request and the sequencer thread (or several workers) may both get here,
    # and a reader must never see the file before its key is in it.
    draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    try:
        os.link(draft, path)
    except FileExistsError:
        return path.read_text().strip()  # another made it first: theirs is the key
    finally:
        draft.unlink()
    app.logger.warning(
        "Made the access log's signing key at %s (development only; set AUDIT_SIGNING_KEY "
        "in production). Its verifier key is %s",
        path,
        verifier_key_for(key),
    )
    return key
