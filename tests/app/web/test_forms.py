"""Forms read their fields from the posted form only: a file part or a JSON body is a 4xx.

Flask-WTF also fills fields from ``request.files`` and from a JSON body, so a
field could reach the validators as a FileStorage or an int; Length() then
raised TypeError, a 500 on every form (found by review).
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from app.web.forms import PageForm
from tests.app.shell.walk import RECIPES, Call, FilePart, Walker, build_world

FORM_ROUTES = [
    "accounts.signin",
    "accounts.signup",
    "accounts.password",
    "accounts.email",
    "accounts.delete",
    "profiles.edit",
    "profiles.add",
    "apps.register",
    "exports.manifest_preview",
    "exports.download",
    "network.send_invitation",
    "notifications.settings",
]


def _walker(app: Flask, session: Session) -> tuple[Walker, dict[str, Call]]:
    world = build_world(app, session, uuid.uuid4().hex[:8])
    return Walker(app, world), {e: RECIPES[(e, "POST")](world)[0] for e in FORM_ROUTES}


def _refused_with_a_message(walker: Walker, call: Call) -> None:
    response = walker.send(call)
    assert 400 <= response.status_code < 500, f"{call.endpoint}: {response.status}"
    assert "<p" in response.get_data(as_text=True), f"{call.endpoint}: no message"


def test_a_field_sent_as_a_file_is_refused(app: Flask, session: Session) -> None:
    walker, calls = _walker(app, session)
    for call in calls.values():
        for name in call.form or {}:
            _refused_with_a_message(walker, call.replaced("form", name, FilePart()))


@pytest.mark.parametrize("member", [5, True])
def test_a_form_posted_as_json_is_refused(app: Flask, session: Session, member: object) -> None:
    walker, calls = _walker(app, session)
    # Forms whose fields are all optional too: read as an empty form, a JSON body
    # turned the digest off and sent an invitation without its message (found by review).
    for call in calls.values():
        as_json = dict.fromkeys(call.form or {}, member)
        _refused_with_a_message(walker, replace(call, form=None, json=as_json))


def test_every_form_reads_the_posted_form_only(app: Flask) -> None:
    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    ours = [c for c in subclasses(FlaskForm) if c.__module__.startswith("app.")]
    assert ours and all(issubclass(c, PageForm) for c in ours), ours
