"""Hostile input to every route and every parameter: a 4xx with a message, never a 500.

Each recipe of the route walk is called again with one parameter at a time
(path argument, query argument, form field or JSON member) replaced by each
hostile value, and the JSON APIs also get hostile bodies. No answer may be
a server error, every refusal carries a message, and nothing of another
member leaks on the way (the walk's check, repeated).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.app.shell.walk import (
    RECIPES,
    SIGNS_OUT,
    Call,
    FilePart,
    Walker,
    build_world,
    everything_in,
    last_seq,
    released_since,
)

HOSTILE = [
    "²",  # a digit to str.isdigit(), not to int()
    "٣",  # Arabic-Indic three: int() reads it as 3
    "５",  # full-width five: int() reads it as 5
    "9" * 5000,  # past Python's int-from-str limit
    "99999999999999999999999",  # beyond 64 bits
    "-1",
    "0",
    "",
    "9999-12-31",  # the last day of the calendar
    "0001-01-01",
    "\x00",
    "%ff",
    "x" * 5000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202e",
]
JSON_VALUES = [0, 1, -1, 2**70, 1.5, None, True, "", "\x00", "x" * 5000, [], {}, [[[]]]]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


JSON_BODIES = [
    _nested(5000),
    '{"policies": ' + _nested(5000) + "}",
    "not json",
    "[]",
    "null",
    '"text"',
    "{" + '"a": 1,' * 20000 + '"b": 2}',
]


def _hostile_values(where: str) -> list[Any]:
    if where == "json":
        return JSON_VALUES
    # A form field as a file part reached WTForms as a FileStorage: a 500 (found by review).
    return [*HOSTILE, FilePart()] if where == "form" else HOSTILE


# Digits to str.isdigit() but not 0-9: a number parameter given one must be refused,
# yet int() reads "٣" and "５", so /access?before=٣ answered 200 (found by review).
OTHER_DIGITS = ("²", "٣", "５")


def _number(call: Call, where: str, name: str) -> bool:
    """Whether the recipe gives this parameter as a number (ASCII digits)."""
    value = getattr(call, where)[name]
    return isinstance(value, str) and value.isascii() and value.isdigit()


# The recipe's own number in other digits: read as a number, it finds the real row.
OTHER_SCRIPTS = [
    str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),  # Arabic-Indic
    str.maketrans("0123456789", "０１２３４５６７８９"),  # full-width
]


def _variants(call: Call) -> list[tuple[Call, bool]]:
    """Each hostile call, and whether it puts another script's digit where a number goes."""
    variants = [
        (call.replaced(where, name, value), value in OTHER_DIGITS and _number(call, where, name))
        for where, name in call.parameters()
        for value in _hostile_values(where)
    ]
    variants += [
        (call.replaced(where, name, getattr(call, where)[name].translate(script)), True)
        for where, name in call.parameters()
        if _number(call, where, name)
        for script in OTHER_SCRIPTS
    ]
    bodies: list[Call] = []
    if call.json is not None:
        bodies = [Call(call.endpoint, call.method, call.args, json=body) for body in JSON_BODIES]
    if call.form:
        # The form posted as JSON: Flask-WTF read its members, ints and all (found by review).
        bodies.append(replace(call, form=None, json=dict.fromkeys(call.form, 5)))
    return variants + [(body, False) for body in bodies]


def _message(body: str) -> bool:
    # ``body`` is the response body followed by its headers (see walk.everything_in).
    try:
        document = json.loads(body.split("\n", 1)[0])
        # Our APIs say "message"; the OAuth endpoints answer as RFC 6749 5.2 says: "error".
        return bool(document.get("message") or document.get("error"))
    except (ValueError, AttributeError):
        return "<p" in body or "error" in body.lower()


@pytest.mark.parametrize("pair", sorted(RECIPES), ids=lambda p: f"{p[0]}-{p[1]}")
def test_hostile_parameters_get_a_4xx_with_a_message(
    app: Flask, session: Session, pair: tuple[str, str]
) -> None:
    world = build_world(app, session, uuid.uuid4().hex[:8])
    walker = Walker(app, world)
    problems: list[str] = []
    for call in RECIPES[pair](world):
        for variant, number in _variants(call):
            savepoint = session.begin_nested()
            before = last_seq(session)
            response = walker.send(variant)
            text = "\n".join([everything_in(response), *walker.flashes(variant)])
            if response.status_code >= 500:
                problems.append(f"{_short(variant)} -> {response.status}")
            elif response.status_code >= 400 and not _message(text):
                problems.append(f"{_short(variant)} -> {response.status} without a message")
            elif number and response.status_code < 400:
                problems.append(f"{_short(variant)} -> {response.status}: read as a number")
            for watched in world.watched:
                found = watched.found_in(text)
                leaked = found - released_since(session, before, watched.member.id)
                if leaked:
                    problems.append(f"{_short(variant)} leaked {sorted(leaked)}")
            savepoint.rollback()
            session.expire_all()
            if pair in SIGNS_OUT:
                walker.sign_in()
    assert problems == []


def _short(call: Call) -> str:
    """The call in one line, long values cut short."""

    def cut(value: object) -> str:
        text = repr(value)
        return text if len(text) <= 40 else f"{text[:20]}...({len(text)} chars)"

    parts = {"args": call.args, "query": call.query, "form": call.form}
    shown = {
        where: {k: cut(v) for k, v in values.items()} for where, values in parts.items() if values
    }
    body = f" json={cut(call.json)}" if call.json is not None else ""
    return f"{call.method} {call.endpoint} {shown}{body}"


# The cases the issue names, each with the answer a person should get.
NAMED_CASES = [
    ("GET", "/connections?page=²", None, 400, "page number must be a whole number"),
    ("GET", "/search?q=ada&page=" + "9" * 5000, None, 400, "page number must be a whole number"),
    ("GET", "/exports/99999999999999999999999/manifest", None, 404, "not found"),
    ("POST", "/invitations/99999999999999999999999/accept", {}, 404, "not found"),
    ("GET", "/access?app=99999999999999999999999", None, 400, "could not be used"),
    ("GET", "/access?before=²", None, 400, "could not be used"),
    # marshmallow's Integer and werkzeug's int converter read these through int() (found
    # by review).
    ("GET", "/access?before=٣", None, 400, "could not be used"),
    ("GET", "/access?app=٣", None, 400, "could not be used"),
    ("GET", "/access?after=+5", None, 400, "could not be used"),
    ("GET", "/exports/١/manifest", None, 404, "not found"),
    ("GET", "/access?after=99999999999999999999999", None, 400, "could not be used"),
    ("GET", "/.well-known/fieldgate-log/consistency?first=²&second=1", None, 400, "tree size"),
    ("GET", "/access?end=9999-12-31", None, 400, "Choose a date from"),
    ("GET", "/access/events.json?end=9999-12-31", None, 400, "Choose a date from"),
    ("GET", "/access/events.csv?start=0001-01-01", None, 400, "Choose a date from"),
    ("POST", "/privacy/policies", {"policy-²-view": "public"}, 400, "Nothing was saved"),
]


@pytest.mark.parametrize(("method", "url", "form", "status", "message"), NAMED_CASES)
def test_the_named_hostile_inputs_get_their_4xx_and_message(
    app: Flask, session: Session, method: str, url: str, form, status: int, message: str
) -> None:
    walker = Walker(app, build_world(app, session, uuid.uuid4().hex[:8]))
    kwargs = {} if form is None else {"data": {**form, "csrf_token": walker._token(walker.member)}}

    response = walker.member.open(url, method=method, **kwargs)

    assert response.status_code == status
    assert message.lower() in response.get_data(as_text=True).lower()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"sales": 0}, "Not a boolean"),
        ({"marketing": 1}, "Not a boolean"),
        ({"sales": "false"}, "Not a boolean"),
        (_nested(5000), "nested too deeply"),
    ],
)
def test_the_privacy_api_takes_only_strict_booleans_and_sane_json(
    app: Flask, session: Session, body, message: str
) -> None:
    walker = Walker(app, build_world(app, session, uuid.uuid4().hex[:8]))
    before = walker.member.get("/api/me/purposes").get_json()

    response = walker.send(Call("privacy_api.patch_purposes", "PATCH", json=body))

    assert response.status_code == 400
    assert message in json.dumps(response.get_json())
    assert walker.member.get("/api/me/purposes").get_json() == before
