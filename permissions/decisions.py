"""The decision rule: may this requester take this action on this value?

One function, :func:`decide`, answers for one value; :func:`decide_many`
answers for many subjects at once with the same rule, in time linear in
subjects x values and with no I/O. Every other part of Fieldgate asks one of
these two; none decides disclosure on its own.

The checks run in a fixed order and the first that fails names the reason:

1. the app (if any) is blocked by the member             -> ``app_blocked``
2. the requester is the member: skip to 6
3. the member objected to the purpose, or it is marketing
   and the member did not opt in                          -> ``purpose``
4. the member put the requester on their suppression list -> ``suppressed``
5. the requester's quota is used up                       -> ``quota``
6. the app's scopes do not cover the field and action     -> ``scope``
7. the member's audience for the value and action does
   not admit the requester's relation                     -> ``audience``

Checks 1-5 concern the whole subject, so a subject left out for them is left
out with all its values for one reason; 6-7 concern one value.

One exception to 7, the accountability rule: a member may always *view* the
first and last name of someone who downloaded or synced their data
(``SubjectContext.accountable``; the app decides who that is, see
``app/disclosure/accountability.py``). Reading someone's data into a file or
a CRM is not anonymous. It never applies through an app, and never to any
other field or action.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import NamedTuple

from permissions.policy import Policy
from permissions.vocabulary import (
    AUDIENCE_RANK,
    RELATION_RANK,
    Action,
    Field,
    Purpose,
    Reason,
    Relation,
    Scope,
    ValueLabel,
)


@dataclass(frozen=True, slots=True)
class Decision:
    """Allowed, or denied with the reason."""

    allowed: bool
    reason: Reason | None = None

    @classmethod
    def allow(cls) -> Decision:
        """The one allowing decision."""
        return _ALLOW

    @classmethod
    def denied(cls, reason: Reason) -> Decision:
        """A denial carrying ``reason``."""
        return _DENIALS[reason]


_ALLOW = Decision(True)
_DENIALS = {reason: Decision(False, reason) for reason in Reason}


@dataclass(frozen=True, slots=True)
class Consent:
    """A member's stance on purposes: objections, and the marketing opt-in."""

    objections: frozenset[Purpose] = frozenset()
    marketing_opt_in: bool = False

    def permits(self, purpose: Purpose) -> bool:
        """True if data may leave for ``purpose``."""
        if purpose in self.objections:
            return False
        return self.marketing_opt_in or not purpose.needs_opt_in


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """What is asked, the same for every subject of one call.

    ``scopes`` is None when the requester acts directly; when an app acts for
    them it holds the scopes the requester granted to that app.
    """

    action: Action
    purpose: Purpose | None = None
    scopes: frozenset[Scope] | None = None

    @property
    def through_app(self) -> bool:
        """True when an OAuth app stands between the requester and the data."""
        return self.scopes is not None


@dataclass(frozen=True, slots=True)
class SubjectContext:
    """What the rule needs to know about one subject, relative to the requester."""

    relation: Relation
    consent: Consent = field(default_factory=Consent)
    app_blocked: bool = False
    suppressed: bool = False
    over_quota: bool = False
    accountable: bool = False


class ValueRecord(NamedTuple):
    """One stored value with its policy, as the app layer loads it."""

    value_id: int
    field: Field
    label: ValueLabel | None
    value: str
    policy: Policy


class SubjectRecord(NamedTuple):
    """One subject's context and the values a request is about."""

    subject_id: int
    context: SubjectContext
    values: Sequence[ValueRecord]


@dataclass(slots=True)
class Outcome:
    """The engine's answer for one subject: what is released, what is withheld and why."""

    subject_id: int
    relation: Relation
    released: list[ValueRecord]
    withheld: list[tuple[ValueRecord, Reason]]
    subject_reason: Reason | None = None

    @property
    def left_out(self) -> bool:
        """True if the whole subject was refused for a subject-level reason."""
        return self.subject_reason is not None


def subject_reason(request: AccessRequest, subject: SubjectContext) -> Reason | None:
    """The reason the whole subject is refused (checks 1-5), or None."""
    through_app = request.scopes is not None
    if through_app and subject.app_blocked:
        return Reason.APP_BLOCKED
    # A member's own data is theirs on their own pages and downloads, whatever
    # they object to; an app acting for them is held to their purposes like
    # anyone (found by review: objecting to recruiting left a recruiting app
    # reading the member's own profile).
    if (
        request.purpose is not None
        and (through_app or subject.relation is not Relation.SELF)
        and not subject.consent.permits(request.purpose)
    ):
        return Reason.PURPOSE
    if subject.relation is Relation.SELF:
        return None
    if subject.suppressed:
        return Reason.SUPPRESSED
    if subject.over_quota:
        return Reason.QUOTA
    return None


def decide(
    request: AccessRequest, subject: SubjectContext, field: Field, policy: Policy
) -> Decision:
    """Decide one value: may the requester take ``request.action`` on it?"""
    if _accountable(request, subject) and field in ACCOUNTABLE_FIELDS:
        # Before the subject's own purposes and suppressions too: who took your
        # data is named to you whatever they set (found by review: objecting to
        # "personal", or suppressing the member, hid an exporter's name).
        return Decision.allow()
    reason = subject_reason(request, subject)
    if reason is not None:
        return Decision.denied(reason)
    if request.scopes is not None and Scope.for_(field, request.action) not in request.scopes:
        return Decision.denied(Reason.SCOPE)
    if not policy.audience(request.action).admits(subject.relation):
        return Decision.denied(Reason.AUDIENCE)
    return Decision.allow()


ACCOUNTABLE_FIELDS = frozenset({Field.FIRST_NAME, Field.LAST_NAME})


# A member's own access log is read on a page (view) or kept as a file
# (download); never synced, never through an app.
_ACCOUNTABLE_ACTIONS = frozenset({Action.VIEW, Action.DOWNLOAD})


def _accountable(request: AccessRequest, subject: SubjectContext) -> bool:
    """True when the accountability rule names the subject to the requester (view or download)."""
    return subject.accountable and request.action in _ACCOUNTABLE_ACTIONS and request.scopes is None


def decide_many(request: AccessRequest, subjects: Iterable[SubjectRecord]) -> Iterator[Outcome]:
    """Decide every value of every subject, lazily, one :class:`Outcome` per subject.

    Gives the same decision as :func:`decide` for each value; it only hoists
    what is common to the request out of the loop. Cost is linear in
    subjects x values; nothing is read or written outside the arguments.
    """
    audience_of = attrgetter(request.action.value)
    scope_ok = _scope_table(request)
    for subject_id, context, values in subjects:
        named = ACCOUNTABLE_FIELDS if _accountable(request, context) else frozenset()
        reason = subject_reason(request, context)
        if reason is not None:
            if named:  # the accountable name leaves all the same (see decide)
                yield Outcome(
                    subject_id,
                    context.relation,
                    [v for v in values if v.field in named],
                    [(v, reason) for v in values if v.field not in named],
                )
                continue
            withheld_all = [(value, reason) for value in values]
            yield Outcome(subject_id, context.relation, [], withheld_all, reason)
            continue
        rank = RELATION_RANK[context.relation]
        released: list[ValueRecord] = []
        withheld: list[tuple[ValueRecord, Reason]] = []
        for value in values:
            if scope_ok is not None and not scope_ok[value.field]:
                withheld.append((value, Reason.SCOPE))
            elif value.field in named or AUDIENCE_RANK[audience_of(value.policy)] >= rank:
                released.append(value)
            else:
                withheld.append((value, Reason.AUDIENCE))
        yield Outcome(subject_id, context.relation, released, withheld)


def _scope_table(request: AccessRequest) -> dict[Field, bool] | None:
    if request.scopes is None:
        return None
    return {f: Scope.for_(f, request.action) in request.scopes for f in Field}
