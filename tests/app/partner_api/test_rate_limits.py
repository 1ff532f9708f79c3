"""The partner API's rate limits count per grant, and requests without a live token per address."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient

from app.apps.protection import RATE_PER_TOKEN
from app.clock import FixedClock
from app.extensions import limiter
from app.shell.security import retry_after_for_refusals
from permissions import Scope
from tests.app.apps.helpers import Harness, issue_token
from tests.database import short_lived_app
from tests.factories import make_member
from tests.settings import app_config

ALLOWED = int(RATE_PER_TOKEN.split()[0])
PATH = "/api/v1/connections"


@pytest.fixture
def limited(app: Flask, database_url: str, clock: FixedClock) -> Iterator[FlaskClient]:
    """A client of an app with rate limits on, on the suite's database (it looks tokens up)."""
    # The suite's clock too: tokens issued through it are live on this app as well.
    config = app_config(database_url, RATELIMIT_ENABLED=True, CLOCK=clock)
    with short_lived_app(config) as limited_app:
        yield limited_app.test_client()
    limiter.init_app(app)  # the one limiter object goes back to the suite's app, limits off


def _call(client: FlaskClient, authorization: str, address: str = "192.0.2.1") -> int:
    headers = {"Authorization": authorization}
    return client.get(PATH, headers=headers, environ_base={"REMOTE_ADDR": address}).status_code


def test_made_up_tokens_share_one_budget_per_address(
    limited: FlaskClient, partner: Harness
) -> None:
    statuses = [_call(limited, f"Bearer fgat_made_up_{i}") for i in range(ALLOWED + 1)]
    assert set(statuses[:ALLOWED]) == {401} and statuses[-1] == 429
    refused = limited.get(
        PATH, headers={"Authorization": "Bearer x"}, environ_base={"REMOTE_ADDR": "192.0.2.1"}
    )
    assert refused.get_json()["code"] == "rate_limited" and "Retry-After" in refused.headers
    assert _call(limited, "Bearer fgat_other", address="192.0.2.2") == 401  # another address
    live, _row = issue_token(partner.session, partner.member.id, partner.app)
    assert _call(limited, f"Bearer {live}") == 200  # a live token is not slowed by them


def test_a_grant_keeps_its_count_across_refreshes_spellings_and_addresses(
    limited: FlaskClient, partner: Harness
) -> None:
    issued = partner.full_flow(scope="basic:view")
    token = issued["access_token"]
    statuses = [_call(limited, f"Bearer {token}") for _ in range(ALLOWED + 1)]
    assert set(statuses[:ALLOWED]) == {200} and statuses[-1] == 429
    # Authlib reads "Bearer<TAB>token" as the same token; so does the count.
    assert _call(limited, f"Bearer\t{token}", address="198.51.100.7") == 429
    # A refresh makes a new access token of the same grant: the count goes on.
    fresh = partner.refresh(issued["refresh_token"]).get_json()["access_token"]
    assert _call(limited, f"Bearer {fresh}", address="198.51.100.8") == 429
    # Another member's grant to the same app has its own.
    other = make_member(partner.session, "Otto", "Other")
    theirs, _row = issue_token(
        partner.session, other.id, partner.app, frozenset({Scope.BASIC_VIEW})
    )
    assert _call(limited, f"Bearer {theirs}") == 200


def test_a_grant_has_one_budget_across_the_whole_api(
    limited: FlaskClient, partner: Harness
) -> None:
    token, _row = issue_token(partner.session, partner.member.id, partner.app)
    headers = {"Authorization": f"Bearer {token}"}
    half = ALLOWED // 2
    assert {limited.get(PATH, headers=headers).status_code for _ in range(half)} == {200}
    rest = [limited.get("/api/v1/me", headers=headers).status_code for _ in range(ALLOWED - half)]
    assert set(rest) == {200}
    # Spent across two endpoints; a third one finds the same budget gone.
    assert limited.get(f"{PATH}/nobody", headers=headers).status_code == 429
    assert limited.get("/api/v1/me", headers=headers).status_code == 429


def test_retry_after_comes_only_with_a_refusal(limited: FlaskClient, partner: Harness) -> None:
    token, _row = issue_token(partner.session, partner.member.id, partner.app)
    headers = {"Authorization": f"Bearer {token}"}
    answered = limited.get(PATH, headers=headers)
    assert answered.status_code == 200 and "X-RateLimit-Remaining" in answered.headers
    assert "Retry-After" not in answered.headers  # a generic client would wait for nothing
    dead = limited.get(PATH, headers={"Authorization": "Bearer fgat_dead"})
    assert dead.status_code == 401 and "Retry-After" not in dead.headers
    for _ in range(ALLOWED):
        limited.get(PATH, headers=headers)
    refused = limited.get(PATH, headers=headers)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("status", "kept"), [(200, False), (401, False), (503, False), (429, True)]
)
def test_only_a_429_keeps_the_limiters_retry_after(status: int, kept: bool) -> None:
    # A 503 said "a few minutes" while the header said an hour (found by review).
    answer = Response(status=status, headers={"Retry-After": "3600"})
    assert ("Retry-After" in retry_after_for_refusals(answer).headers) is kept
