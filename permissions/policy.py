"""A value's policy: one audience per action, and the monotone rule.

A member can never let more people download a value than see it, nor sync it
to more people than download it: audience(sync) <= audience(download) <=
audience(view). A policy that breaks this cannot be constructed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from permissions.vocabulary import AUDIENCE_RANK, Action, Audience

# Each pair (narrower action, wider action) the monotone rule compares.
_ORDERED_PAIRS = ((Action.SYNC, Action.DOWNLOAD), (Action.DOWNLOAD, Action.VIEW))


class PolicyError(ValueError):
    """A policy breaks the monotone rule; the message names the value and the actions."""

    def __init__(self, value_name: str, narrower: Action, wider: Action, policy: Policy) -> None:
        self.value_name = value_name
        self.narrower = narrower
        self.wider = wider
        # In the settings page's words: its verbs, and its menus' audience captions.
        super().__init__(
            f"{value_name}: who may {narrower.verb} it ({policy.audience(narrower).caption}) "
            f"cannot be wider than who may {wider.verb} it ({policy.audience(wider).caption}). "
            f"Whoever may {narrower.verb} a value must also be allowed to {wider.verb} it."
        )


@dataclass(frozen=True, slots=True)
class Policy:
    """Who may view, download and sync one value.

    Construct through :func:`policy` (checked, cached) or :meth:`Policy.parse`;
    direct construction is unchecked and meant for the engine's own tables.
    """

    view: Audience
    download: Audience
    sync: Audience

    def audience(self, action: Action) -> Audience:
        """The audience this policy sets for ``action``."""
        if action is Action.VIEW:
            return self.view
        if action is Action.DOWNLOAD:
            return self.download
        return self.sync

    def first_violation(self) -> tuple[Action, Action] | None:
        """The first (narrower, wider) pair of actions that breaks the monotone rule, if any."""
        for narrower, wider in _ORDERED_PAIRS:
            if AUDIENCE_RANK[self.audience(narrower)] > AUDIENCE_RANK[self.audience(wider)]:
                return narrower, wider
        return None

    def is_monotone(self) -> bool:
        """True if sync <= download <= view."""
        return self.first_violation() is None

    def as_dict(self) -> dict[str, str]:
        """The policy as ``{"view": ..., "download": ..., "sync": ...}``."""
        return {"view": self.view.value, "download": self.download.value, "sync": self.sync.value}

    @classmethod
    def parse(
        cls, view: str, download: str, sync: str, *, value_name: str = "This value"
    ) -> Policy:
        """Build a checked policy from audience names.

        Raises:
            ValueError: an audience name is not one of :class:`Audience`.
            PolicyError: the audiences break the monotone rule.
        """
        return policy(Audience(view), Audience(download), Audience(sync), value_name=value_name)


@cache
def _checked(view: Audience, download: Audience, sync: Audience) -> Policy | tuple[Action, Action]:
    candidate = Policy(view, download, sync)
    return candidate.first_violation() or candidate


def policy(
    view: Audience, download: Audience, sync: Audience, *, value_name: str = "This value"
) -> Policy:
    """Return the (shared, immutable) policy for these audiences.

    Raises:
        PolicyError: the audiences break the monotone rule; the message names
            ``value_name`` and the two actions in conflict.
    """
    result = _checked(view, download, sync)
    if isinstance(result, Policy):
        return result
    narrower, wider = result
    raise PolicyError(value_name, narrower, wider, Policy(view, download, sync))
