"""Every route, every method: nothing of another member leaves without a logged decision.

The walk calls each (endpoint, method) of the URL map through its recipe in
``walk.py``, as the signed-in walker or anonymously, each call inside a
savepoint that is rolled back after it (so calls do not disturb each other).
For every response it reads the body (each file of an archive), every header,
the redirect target, the flashed messages and the page a redirect leads to.
Every sentinel value of another member found there must be named as released
by an access event written during that call; values that member lets nobody
see must never appear at all. A route without a recipe fails the walk.
"""

from __future__ import annotations

import uuid

from flask import Flask
from sqlalchemy.orm import Session

from tests.app.shell.walk import (
    RECIPES,
    SIGNS_OUT,
    Call,
    Walker,
    build_world,
    everything_in,
    last_seq,
    released_since,
)

# Routes that must show someone else's data in the walk, or it proves nothing.
MUST_SHOW = {
    "network.member",
    "network.search",
    "network.connections",
    "network.invitations",
    "exports.center",
    "exports.download",
    "exports.mine",
    "privacy.keep_out",
    "access_log.log",
    "access_log.download",
}


def _seen(walker: Walker, call: Call) -> str:
    """Everything the call let out: the response, flashes, and the page a redirect leads to."""
    response = walker.send(call)
    assert response.status_code < 500, f"{call.endpoint} {call.method}: {response.status}"
    texts = [everything_in(response)]
    if response.status_code in (301, 302, 303) and response.location:
        client = walker.anonymous if call.anonymous else walker.member
        texts.append(everything_in(client.get(response.location)))
    texts += walker.flashes(call)
    return "\n".join(texts)


def test_every_route_and_method_has_a_recipe(app: Flask) -> None:
    pairs = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert pairs - set(RECIPES) == set(), "routes the walk does not call"
    assert set(RECIPES) - pairs == set(), "recipes for routes that no longer exist"


def test_nothing_leaves_without_an_allowing_decision_and_an_access_event(
    app: Flask, session: Session
) -> None:
    world = build_world(app, session, uuid.uuid4().hex[:8])
    walker = Walker(app, world)
    showed: set[str] = set()
    for pair, recipe in sorted(RECIPES.items()):
        for call in recipe(world):
            savepoint = session.begin_nested()
            before = last_seq(session)
            text = _seen(walker, call)
            for watched in world.watched:
                found = watched.found_in(text)
                if found:
                    showed.add(call.endpoint)
                assert not found & watched.never, (pair, call, found & watched.never)
                logged = released_since(session, before, watched.member.id)
                assert found <= logged, (
                    pair,
                    call,
                    "shown without a logged release:",
                    found - logged,
                )
            savepoint.rollback()
            session.expire_all()
            if pair in SIGNS_OUT:
                walker.sign_in()
    assert showed >= MUST_SHOW, f"the walk reached no member data through {MUST_SHOW - showed}"
