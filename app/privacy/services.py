"""Changing policies and purposes, always atomically and always with history.

A batch of policy changes is checked in full before anything is written: one
non-monotone policy refuses the whole batch, with a message per value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.disclosure.context import default_allowed
from app.models.privacy import PolicyChange, PurposeChange, PurposeChoice
from app.models.profiles import ProfileValue
from app.profiles.services import values_of
from permissions import PRESETS, Action, Audience, Field, Policy, PolicyError, Purpose, policy


class PolicyUpdateError(ValueError):
    """A batch of policy changes was refused; ``errors`` maps value ids to messages."""

    def __init__(self, errors: Mapping[int, str]) -> None:
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))


class UnknownValue(PolicyUpdateError):
    """A change names a value the member does not have."""


@dataclass(frozen=True, slots=True)
class PolicyUpdate:
    """The audiences a member wants for one value."""

    value_id: int
    view: Audience
    download: Audience
    sync: Audience


@dataclass(frozen=True, slots=True)
class PlannedChange:
    """One value whose policy a batch would change."""

    value: ProfileValue
    old: Policy
    new: Policy

    @property
    def moves(self) -> list[tuple[Action, Audience, Audience]]:
        """Each action whose audience changes, with the audience before and after."""
        return [
            (a, self.old.audience(a), self.new.audience(a))
            for a in Action
            if self.old.audience(a) is not self.new.audience(a)
        ]


def plan_updates(
    session: Session,
    member_id: int,
    updates: Iterable[PolicyUpdate],
    shown: Mapping[int, Policy] | None = None,
) -> list[PlannedChange]:
    """Check a batch of updates and return the changes it would make, writing nothing.

    ``shown`` holds, per value, the policy a settings page showed when it was
    opened: an update that leaves it as shown is no change the member made on
    that page, so it is left out, whatever is stored now.

    Raises:
        UnknownValue: an update names a value that is not the member's.
        PolicyUpdateError: some policies break the monotone rule, or a value is
            named more than once (message per value).
    """
    owned = {v.id: v for v in values_of(session, member_id)}
    wanted = list(updates)
    unknown = {
        u.value_id: f"Value {u.value_id} is not one of yours."
        for u in wanted
        if u.value_id not in owned
    }
    if unknown:
        raise UnknownValue(unknown)
    # A value named twice (by id and by its field, say) has no one answer: each
    # was planned against the stored policy, so an item that restated it was
    # dropped and an earlier, wider one applied; and the history recorded two
    # changes from the same old policy (found by review).
    errors: dict[int, str] = {
        value_id: f"{owned[value_id].display_name} is named more than once; name it once."
        for value_id, times in Counter(u.value_id for u in wanted).items()
        if times > 1
    }
    planned: list[PlannedChange] = []
    for update in wanted:
        value = owned[update.value_id]
        if value.id in errors:
            continue
        try:
            new = policy(update.view, update.download, update.sync, value_name=value.display_name)
        except PolicyError as exc:
            errors[value.id] = str(exc)
            continue
        # The matrix posts every cell; one the member left alone on a page opened
        # before they narrowed the value elsewhere must not put the wider audience
        # back (found by review).
        untouched = shown is not None and shown.get(value.id) == new
        if new != value.policy and not untouched:
            planned.append(PlannedChange(value, value.policy, new))
    if errors:
        raise PolicyUpdateError(errors)
    return planned


def apply_updates(
    session: Session,
    member_id: int,
    updates: Iterable[PolicyUpdate],
    *,
    source: str,
    shown: Mapping[int, Policy] | None = None,
) -> list[PlannedChange]:
    """Check, then apply a batch of updates and record each change in the history.

    Raises:
        UnknownValue, PolicyUpdateError: as :func:`plan_updates`; nothing is written.
    """
    planned = plan_updates(session, member_id, updates, shown)
    now = utcnow()
    for change in planned:
        change.value.policy = change.new
        change.value.updated_at = now
        session.add(
            PolicyChange(
                member_id=member_id,
                value_id=change.value.id,
                value_name=change.value.display_name,
                changed_at=now,
                source=source,
                old_view=change.old.view,
                old_download=change.old.download,
                old_sync=change.old.sync,
                new_view=change.new.view,
                new_download=change.new.download,
                new_sync=change.new.sync,
            )
        )
    session.flush()
    return planned


def preset_updates(session: Session, member_id: int, preset_name: str) -> list[PolicyUpdate]:
    """The updates that would give every value of the member the preset's policy.

    Raises:
        KeyError: no preset by that name.
    """
    preset = PRESETS[preset_name]
    return [
        PolicyUpdate(v.id, *_audiences(preset.policy_for(v.field)))
        for v in values_of(session, member_id)
    ]


def field_updates(
    session: Session,
    member_id: int,
    field: Field,
    view: Audience,
    download: Audience,
    sync: Audience,
) -> list[PolicyUpdate]:
    """Updates giving every value of ``field`` the same audiences."""
    return [
        PolicyUpdate(v.id, view, download, sync)
        for v in values_of(session, member_id)
        if v.field is field
    ]


def _audiences(p: Policy) -> tuple[Audience, Audience, Audience]:
    return p.view, p.download, p.sync


def policy_history(session: Session, member_id: int, limit: int = 200) -> Sequence[PolicyChange]:
    """The member's policy changes, newest first."""
    stmt = (
        select(PolicyChange)
        .where(PolicyChange.member_id == member_id)
        .order_by(PolicyChange.changed_at.desc(), PolicyChange.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


# Purposes -------------------------------------------------------------------


def purposes_of(session: Session, member_id: int) -> dict[Purpose, bool]:
    """Whether each purpose is allowed for this member's data."""
    stored = dict(
        session.execute(
            select(PurposeChoice.purpose, PurposeChoice.allowed).where(
                PurposeChoice.member_id == member_id
            )
        ).all()
    )
    return {p: stored.get(p, default_allowed(p)) for p in Purpose}


def set_purposes(
    session: Session, member_id: int, allowed: Mapping[Purpose, bool]
) -> list[Purpose]:
    """Record the member's answer per purpose; returns the purposes that changed."""
    current = purposes_of(session, member_id)
    now = utcnow()
    changed = [p for p, ok in allowed.items() if current[p] != ok]
    for purpose in changed:
        row = session.get(PurposeChoice, (member_id, purpose))
        if row is None:
            session.add(
                PurposeChoice(
                    member_id=member_id, purpose=purpose, allowed=allowed[purpose], changed_at=now
                )
            )
        else:
            row.allowed, row.changed_at = allowed[purpose], now
        session.add(
            PurposeChange(
                member_id=member_id, purpose=purpose, allowed=allowed[purpose], changed_at=now
            )
        )
    session.flush()
    return changed


def purpose_history(session: Session, member_id: int, limit: int = 200) -> Sequence[PurposeChange]:
    """The member's purpose changes, newest first."""
    stmt = (
        select(PurposeChange)
        .where(PurposeChange.member_id == member_id)
        .order_by(PurposeChange.changed_at.desc(), PurposeChange.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()
