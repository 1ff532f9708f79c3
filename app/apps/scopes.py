"""What a grant allows: scopes parsed and written the OAuth way, and put in plain words.

A scope is a :class:`permissions.Scope` (``group:action``). An app acts for
the member who granted it, so it can reach that member's own values and
those of their connections, and of each only what its owner allows for the
action (the engine decides that at every read, scope or no scope).
"""

from __future__ import annotations

from collections.abc import Iterable

from permissions import Action, FieldGroup, Purpose, Scope


class UnknownScope(ValueError):
    """A scope name that is not one of Fieldgate's scopes."""


def parse_scopes(text: str | None) -> frozenset[Scope]:
    """The scopes named in a space-separated OAuth ``scope`` string.

    Raises:
        UnknownScope: a name is not one of :class:`permissions.Scope`.
    """
    names = (text or "").split()
    try:
        return frozenset(Scope(name) for name in names)
    except ValueError as exc:
        raise UnknownScope("That is not one of Fieldgate's scopes.") from exc


def scope_string(scopes: Iterable[Scope | str]) -> str:
    """Scopes as an OAuth ``scope`` string: space-separated, sorted, no repeats."""
    return " ".join(sorted({str(s) for s in scopes}))


GROUP_NOUNS = {
    FieldGroup.BASIC: "names, headlines, companies, positions, locations and industries",
    FieldGroup.CONTACT: "e-mail addresses, phone numbers and websites",
    FieldGroup.PERSONAL: "birthdays and postal addresses",
}
_ACTION_SENTENCES = {
    Action.VIEW: "See the {nouns} of you and your connections, as each of them lets you see them",
    Action.DOWNLOAD: (
        "Download into files the {nouns} that you and your connections allow you to download"
    ),
    Action.SYNC: (
        "Copy into the app's own store the {nouns} that you and your connections allow to be synced"
    ),
}


def describe(scope: Scope) -> str:
    """One sentence saying what ``scope`` lets an app do ("See the names, ... of you and ...")."""
    group, _, action = scope.value.partition(":")
    return _ACTION_SENTENCES[Action(action)].format(nouns=GROUP_NOUNS[FieldGroup(group)])


def describe_all(scopes: Iterable[Scope]) -> list[tuple[Scope, str]]:
    """(scope, sentence) for each of ``scopes``, in catalog order (by group, then action)."""
    wanted = set(scopes)
    return [(s, describe(s)) for s in Scope if s in wanted]


PURPOSE_MEANING = {
    Purpose.PERSONAL: "To keep your own address book or calendar up to date.",
    Purpose.RECRUITING: "To find people and contact them about jobs.",
    Purpose.SALES: "To find people and contact them about products and services.",
    Purpose.MARKETING: (
        "To put people on mailing lists. Only people who opted in to marketing are"
        " included; everyone else is left out, whatever this app asks."
    ),
}
