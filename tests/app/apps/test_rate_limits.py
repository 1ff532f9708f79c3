"""The OAuth endpoints that take app credentials are rate limited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app.apps.api import ENDPOINT_LIMIT
from app.extensions import limiter
from tests.database import short_lived_app
from tests.settings import app_config


@pytest.fixture
def limited(app: Flask) -> Iterator[Flask]:
    """An app with rate limits on (no database needed: refused requests never reach it)."""
    with short_lived_app(app_config("sqlite://", RATELIMIT_ENABLED=True)) as limited:
        yield limited
    # The limiter is one object shared by every app: hand it back to the suite's, limits off.
    limiter.init_app(app)


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
def test_each_endpoint_answers_429_past_its_limit(limited: Flask, path: str) -> None:
    allowed = int(ENDPOINT_LIMIT.split()[0])
    client = limited.test_client()
    statuses = [
        client.post(path, data={"grant_type": "password", "token": "x"}).status_code
        for _ in range(allowed + 1)
    ]
    assert 429 not in statuses[:allowed]
    assert statuses[-1] == 429
