"""Which database the suite runs on, and the configuration every test app gets."""

from __future__ import annotations

import os
from typing import Any

from app.audit.note import generate_signer_key
from app.config import normalise_database_url

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
TEST_ORIGIN = "test.fieldgate.localhost/access-log"
# Made once per run: tests sign checkpoints with it and verify them with its verifier key.
TEST_SIGNER_KEY = generate_signer_key(TEST_ORIGIN)


def test_database_url(sqlite_path: str) -> str:
    """TEST_DATABASE_URL if set, else a SQLite file at ``sqlite_path``."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    return normalise_database_url(url) if url else f"sqlite:///{sqlite_path}"


def with_schema(url: str, schema: str) -> str:
    """On PostgreSQL, the same database with ``schema`` first on the search path."""
    if not url.startswith("postgresql"):
        return url
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def app_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """Configuration for a test app: real CSRF, no rate limits unless a test turns them on."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "AUDIT_KEY": "test-audit-key",
        "AUDIT_SIGNING_KEY": TEST_SIGNER_KEY,
        "AUDIT_LOG_ORIGIN": TEST_ORIGIN,
        "AUDIT_SEQUENCER": "off",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return config
