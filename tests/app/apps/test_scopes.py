"""Scopes: parsed strictly, written the OAuth way, and put in words (here and in the README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.apps.scopes import GROUP_NOUNS, UnknownScope, describe, parse_scopes, scope_string
from permissions import Action, FieldGroup, Scope

README = Path(__file__).resolve().parents[3] / "README.md"
VERBS = {Action.VIEW: "See", Action.DOWNLOAD: "Download", Action.SYNC: "Copy"}


def test_scopes_are_parsed_strictly_and_written_sorted() -> None:
    assert parse_scopes("contact:sync  basic:view") == {Scope.CONTACT_SYNC, Scope.BASIC_VIEW}
    assert parse_scopes(None) == frozenset()
    with pytest.raises(UnknownScope):
        parse_scopes("basic:view admin:all")
    assert scope_string([Scope.CONTACT_SYNC, Scope.BASIC_VIEW, "basic:view"]) == (
        "basic:view contact:sync"
    )


@pytest.mark.parametrize("scope", list(Scope))
def test_every_scope_says_what_it_lets_an_app_do(scope: Scope) -> None:
    group, _, action = scope.value.partition(":")
    sentence = describe(scope)
    assert sentence.startswith(VERBS[Action(action)])
    assert GROUP_NOUNS[FieldGroup(group)] in sentence


def test_the_readme_documents_every_scope() -> None:
    rows = {
        line.split("|")[1].strip(" `")
        for line in README.read_text().splitlines()
        if line.startswith("| `")
    }
    assert {s.value for s in Scope} <= rows
