"""The log's public face, for members and auditors: checkpoint, verifier key, consistency proofs.

``/.well-known/fieldgate-log/checkpoint`` is the latest signed checkpoint (a
C2SP signed note, text/plain); ``/key`` the verifier key to check it with;
``/consistency?first=N&second=M`` the RFC 9162 consistency proof between two
tree sizes, with which a member who kept an older checkpoint checks that
nothing sealed before it was changed; ``/verify_access_log.py`` the short
script a member runs to check a download against them (the access-log page
links it). None of these holds personal data.
"""

from __future__ import annotations

import base64
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, request

from app.audit.merkle import consistency_proof
from app.audit.signing import verifier_key
from app.audit.tree import StoredTiles, latest_checkpoint, tree_state
from app.extensions import db
from app.web.inputs import ascii_number

bp = Blueprint("log_api", __name__, url_prefix="/.well-known/fieldgate-log")
MAX_SIZE_DIGITS = 18
SCRIPT_NAME = "verify_access_log.py"


def _text(body: str) -> Response:
    return Response(body, content_type="text/plain; charset=utf-8")


@bp.get("/checkpoint")
def checkpoint() -> Response:
    """The newest checkpoint the log signed."""
    latest = latest_checkpoint(db.session)
    if latest is None:
        abort(404, "The log has not signed a checkpoint yet; try again in a few seconds.")
    return _text(latest.note)


@bp.get("/key")
def key() -> Response:
    """The verifier key (``<origin>+<key hash>+<base64 key>``) that checkpoints are signed for."""
    return _text(verifier_key() + "\n")


@bp.get(f"/{SCRIPT_NAME}")
def verify_script() -> Response:
    """The member's checking script, ``docs/verify_access_log.py``, as a file to keep.

    Members have no README: the page's "how can I check this" links here
    (found by review). The script imports nothing from Fieldgate, so serving
    it from the server it checks costs no trust: read it before running it.
    """
    script = Path(current_app.root_path).parent / "docs" / SCRIPT_NAME
    if not script.is_file():
        abort(404, "This installation does not serve the checking script; see the README.")
    response = _text(script.read_text(encoding="utf-8"))
    response.headers["Content-Disposition"] = f"attachment; filename={SCRIPT_NAME}"
    return response


def _size(name: str, tree_size: int) -> int:
    raw = request.args.get(name)
    value = ascii_number(raw, digits=MAX_SIZE_DIGITS) if raw else None
    if value is None or value > tree_size:
        abort(400, f"'{name}' must be a tree size from 0 to {tree_size}.")
    return value


@bp.get("/consistency")
def consistency() -> Response:
    """``{"proof": [base64, ...]}``: tree ``second`` extends tree ``first`` (RFC 9162)."""
    tree_size = tree_state(db.session).size
    first, second = _size("first", tree_size), _size("second", tree_size)
    if first > second:
        abort(400, "'first' must not be larger than 'second'.")
    proof = consistency_proof(first, second, StoredTiles(db.session).reader())
    return jsonify(proof=[base64.b64encode(h).decode("ascii") for h in proof])
