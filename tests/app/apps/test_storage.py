"""Only digests of secrets, codes and tokens are stored."""

from __future__ import annotations

from app.apps.credentials import digest
from app.extensions import db
from tests.app.apps.helpers import Harness


def test_nothing_secret_is_stored_in_clear(oauth: Harness) -> None:
    code, verifier, _ = oauth.get_code()
    issued = oauth.exchange(code, verifier).get_json()
    rotated = oauth.refresh(issued["refresh_token"]).get_json()
    secrets = [
        oauth.secret,
        code,
        issued["access_token"],
        issued["refresh_token"],
        rotated["access_token"],
        rotated["refresh_token"],
    ]
    dump = "\n".join(
        repr(tuple(row))
        for table in db.metadata.sorted_tables
        for row in oauth.session.execute(table.select())
    )
    for secret in secrets:
        assert secret not in dump
    for secret in (oauth.secret, code, rotated["refresh_token"]):
        assert digest(secret) in dump
