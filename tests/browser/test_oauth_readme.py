"""The README's curl example of the token exchange works as written, against a live server."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from flask import Flask

from app.apps.registration import AppDetails, register_app
from app.extensions import db
from app.network.services import connect
from permissions import Purpose, Scope
from tests.browser.helpers import find_member, seed_member
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser

README = Path(__file__).resolve().parents[2] / "README.md"
BASH = shutil.which("bash") or "/bin/bash"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _example() -> list[str]:
    """The README's block as its runs of commands (the comments between are a person's steps)."""
    text = README.read_text()
    block = re.search(r"A partner connecting with `curl`.*?```sh\n(.*?)```", text, re.S)
    assert block, "the README lost its curl example"
    runs: list[list[str]] = [[]]
    for line in block.group(1).splitlines():
        if not line.startswith("#"):
            runs[-1].append(line)
        elif runs[-1]:
            runs.append([])
    return ["\n".join(run) + "\n" for run in runs if run]


def _bash(script: str, cwd: Path | None = None, **env: str) -> str:
    # The script is the README's own example, run as a reader would run it.
    done = subprocess.run(  # noqa: S603
        [BASH, "-euo", "pipefail", "-c", script],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        cwd=cwd,
    )
    return done.stdout


def _registered(live_app: Flask) -> tuple[str, str]:
    seed_member(live_app, "Dana", "Developer", "dana@example.com")
    developer = find_member(live_app, "dana@example.com")
    details = AppDetails(
        name="CRM Sync",
        description="Keeps your CRM in step.",
        homepage="https://crm.example",
        purpose=Purpose.RECRUITING,
        redirect_uris=["https://crm.example/cb"],
        scopes=frozenset({Scope.BASIC_VIEW, Scope.BASIC_DOWNLOAD}),
    )
    with live_app.app_context():
        app, secret = register_app(db.session, developer.id, details)
        db.session.commit()
        return app.client_id, secret


def _allow_as_a_member(live_server: str, url: str) -> str:
    """Sign in and press Allow, as the README asks a person to; return the code."""
    browser = requests.Session()
    signin = browser.get(f"{live_server}/signin", timeout=5).text
    browser.post(
        f"{live_server}/signin",
        data={
            "email": "ann@example.com",
            "password": TEST_PASSWORD,
            "csrf_token": CSRF.search(signin).group(1),
        },
        timeout=5,
    )
    page = browser.get(url, timeout=5).text
    answer = browser.post(
        url,
        data={"csrf_token": CSRF.search(page).group(1), "decision": "allow"},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.headers["Location"].startswith("https://crm.example/cb?code=fgac_")
    return re.search(r"code=([^&]+)", answer.headers["Location"]).group(1)


def test_the_readme_partner_example_works_as_written(
    live_app: Flask, live_server: str, tmp_path: Path
) -> None:
    client_id, secret = _registered(live_app)
    seed_member(live_app, "Ann", "Member", "ann@example.com")
    seed_member(live_app, "Carl", "Contact", "carl@example.com")
    ann, carl = (find_member(live_app, f"{n}@example.com") for n in ("ann", "carl"))
    with live_app.test_request_context():
        connect(db.session, ann.id, carl.id)
        db.session.commit()
    # Commands, each run between a person's steps.
    prepare, exchange, call, listing, export = _example()
    base = {"BASE": live_server, "CLIENT_ID": client_id, "CLIENT_SECRET": secret}

    printed = _bash(prepare + 'echo "$VERIFIER"\n', **base).split()
    url, verifier = printed[0], printed[1]
    code = _allow_as_a_member(live_server, url)
    token = json.loads(_bash(exchange, **base, CODE=code, VERIFIER=verifier))
    me = json.loads(_bash(call, **base, ACCESS_TOKEN=token["access_token"]))

    assert token["token_type"] == "Bearer"
    assert set(token["scope"].split()) == {"basic:view", "basic:download"}
    assert {v["field"] for v in me["values"]} == {"first_name", "last_name"}

    access = {"ACCESS_TOKEN": token["access_token"]}
    page = json.loads(_bash(listing, **base, **access))
    assert page == {
        "connections": [
            {"handle": carl.handle, "fields": {"first_name": "Carl", "last_name": "Contact"}}
        ],
        "next_cursor": None,
    }
    _bash(export, tmp_path, **base, **access)
    rows = (tmp_path / "contacts.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("Contact id,First name,Last name")
    assert rows[1].startswith(f"{carl.handle},Carl,Contact")
    assert "carl@example.com" not in "\n".join(rows)  # e-mail needs contact:download
