"""Policies in plain language, for settings pages and previews."""

from __future__ import annotations

from itertools import product

from permissions.policy import Policy
from permissions.vocabulary import Audience, Reason

_WHO_SEES = {
    Audience.PUBLIC: "Anyone, even people who are not signed in, can see {noun}",
    Audience.MEMBERS: "Every signed-in member can see {noun}",
    Audience.NETWORK: "Your connections and their connections can see {noun}",
    Audience.CONNECTIONS: "Your connections can see {noun}",
    # The audience is called "Only me" (the member's own words on a settings
    # page); a sentence addressed to the member says the same without the name.
    Audience.NOBODY: "Nobody but you can see {noun}",
}
_WHO_DOWNLOADS = {
    Audience.PUBLIC: "anyone may put it into a download",
    Audience.MEMBERS: "any member may put it into their downloads",
    Audience.NETWORK: "your network may put it into their downloads",
    Audience.CONNECTIONS: "connections may put it into their downloads",
    Audience.NOBODY: "it is never put into anyone's downloads",
}
_WHO_SYNCS = {
    Audience.PUBLIC: "Any app may sync it into a CRM.",
    Audience.MEMBERS: "Apps used by any member may sync it into a CRM.",
    Audience.NETWORK: "Apps used by your network may sync it into a CRM.",
    Audience.CONNECTIONS: "Apps your connections use may sync it into their CRM.",
    Audience.NOBODY: "No app ever syncs it into a CRM.",
}


def explain(policy: Policy, noun: str = "this value") -> str:
    """One or two sentences saying who can view, download and sync a value.

    >>> from permissions.defaults import DEFAULT_POLICIES
    >>> from permissions.vocabulary import Field
    >>> explain(DEFAULT_POLICIES[Field.EMAIL], "this e-mail")
    "Your connections can see this e-mail, but it is never put into anyone's downloads. \
No app ever syncs it into a CRM."
    """
    sees = _WHO_SEES[policy.view].format(noun=noun)
    joiner = (
        ", but "
        if policy.download is Audience.NOBODY and policy.view is not Audience.NOBODY
        else ", and "
    )
    if policy.view is Audience.NOBODY:
        return f"{sees}."
    return f"{sees}{joiner}{_WHO_DOWNLOADS[policy.download]}. {_WHO_SYNCS[policy.sync]}"


_WHY_REFUSED = {
    Reason.AUDIENCE: "your privacy settings",
    Reason.SCOPE: "the app was not allowed that",
    Reason.APP_BLOCKED: "you blocked the app",
    Reason.PURPOSE: "your choice about the purpose",
    Reason.SUPPRESSED: "you keep yourself out of their exports",
    Reason.QUOTA: "their daily export limit",
}


def why_refused(reason: Reason) -> str:
    """Why a request for a member's data was refused, told to that member.

    >>> why_refused(Reason.QUOTA)
    'their daily export limit'
    """
    return _WHY_REFUSED[reason]


NOUN = "{noun}"


def every_explanation() -> dict[str, str]:
    """:func:`explain` for every policy a member can pick, keyed ``"view/download/sync"``.

    The sentences keep the placeholder :data:`NOUN` for the value's noun. A
    settings page hands this table to its script, which looks a sentence up
    as soon as a choice changes; the wording stays here, in one place.
    Policies that break the monotone rule have no entry.
    """
    table: dict[str, str] = {}
    for view, download, sync in product(Audience, repeat=3):
        candidate = Policy(view, download, sync)
        if candidate.is_monotone():
            table[f"{view}/{download}/{sync}"] = explain(candidate, NOUN)
    return table
