"""The decision rule: table-driven cases, then properties against a reference model."""

from __future__ import annotations

import pytest
from hypothesis import given

from permissions import (
    AccessRequest,
    Action,
    Audience,
    Consent,
    Decision,
    Field,
    Purpose,
    Reason,
    Relation,
    Scope,
    SubjectContext,
    decide,
    decide_many,
    default_policy,
    policy,
)
from tests.permissions.strategies import any_policies, contexts, fields, requests, subject_records

A = Audience
R = Relation
EMAIL = default_policy(Field.EMAIL)  # connections / nobody / nobody
HEADLINE = default_policy(Field.HEADLINE)  # public / connections / nobody


def _ctx(relation, **kw):
    return SubjectContext(relation=relation, **kw)


@pytest.mark.parametrize(
    ("relation", "action", "pol", "expected"),
    [
        (R.CONNECTION, Action.VIEW, EMAIL, Decision.allow()),
        (R.NETWORK, Action.VIEW, EMAIL, Decision.denied(Reason.AUDIENCE)),
        (R.MEMBER, Action.VIEW, EMAIL, Decision.denied(Reason.AUDIENCE)),
        (R.ANONYMOUS, Action.VIEW, EMAIL, Decision.denied(Reason.AUDIENCE)),
        (R.CONNECTION, Action.DOWNLOAD, EMAIL, Decision.denied(Reason.AUDIENCE)),
        (R.CONNECTION, Action.SYNC, EMAIL, Decision.denied(Reason.AUDIENCE)),
        (R.SELF, Action.DOWNLOAD, EMAIL, Decision.allow()),
        (R.SELF, Action.SYNC, policy(A.NOBODY, A.NOBODY, A.NOBODY), Decision.allow()),
        (R.ANONYMOUS, Action.VIEW, HEADLINE, Decision.allow()),
        (R.CONNECTION, Action.DOWNLOAD, HEADLINE, Decision.allow()),
        (R.NETWORK, Action.DOWNLOAD, HEADLINE, Decision.denied(Reason.AUDIENCE)),
        (R.NETWORK, Action.VIEW, policy(A.NETWORK, A.NOBODY, A.NOBODY), Decision.allow()),
        (
            R.MEMBER,
            Action.VIEW,
            policy(A.NETWORK, A.NOBODY, A.NOBODY),
            Decision.denied(Reason.AUDIENCE),
        ),
        (R.MEMBER, Action.VIEW, policy(A.MEMBERS, A.NOBODY, A.NOBODY), Decision.allow()),
        (
            R.ANONYMOUS,
            Action.VIEW,
            policy(A.MEMBERS, A.NOBODY, A.NOBODY),
            Decision.denied(Reason.AUDIENCE),
        ),
    ],
)
def test_audience_rule(relation, action, pol, expected):
    assert decide(AccessRequest(action), _ctx(relation), Field.EMAIL, pol) == expected


OPEN = policy(A.PUBLIC, A.PUBLIC, A.PUBLIC)


@pytest.mark.parametrize(
    ("request_", "context", "expected"),
    [
        (AccessRequest(Action.DOWNLOAD, Purpose.RECRUITING), _ctx(R.CONNECTION), None),
        (AccessRequest(Action.DOWNLOAD, Purpose.MARKETING), _ctx(R.CONNECTION), Reason.PURPOSE),
        (
            AccessRequest(Action.DOWNLOAD, Purpose.MARKETING),
            _ctx(R.CONNECTION, consent=Consent(marketing_opt_in=True)),
            None,
        ),
        (
            AccessRequest(Action.DOWNLOAD, Purpose.SALES),
            _ctx(R.CONNECTION, consent=Consent(objections=frozenset({Purpose.SALES}))),
            Reason.PURPOSE,
        ),
        (
            AccessRequest(Action.VIEW, None),
            _ctx(R.CONNECTION, consent=Consent(objections=frozenset(Purpose))),
            None,
        ),
        (
            AccessRequest(Action.DOWNLOAD, Purpose.SALES),
            _ctx(R.CONNECTION, suppressed=True),
            Reason.SUPPRESSED,
        ),
        (
            AccessRequest(Action.DOWNLOAD, Purpose.SALES),
            _ctx(R.CONNECTION, over_quota=True),
            Reason.QUOTA,
        ),
        (
            AccessRequest(Action.SYNC, scopes=frozenset({Scope.CONTACT_SYNC})),
            _ctx(R.CONNECTION),
            None,
        ),
        (
            AccessRequest(Action.SYNC, scopes=frozenset({Scope.CONTACT_VIEW})),
            _ctx(R.CONNECTION),
            Reason.SCOPE,
        ),
        (AccessRequest(Action.SYNC, scopes=frozenset()), _ctx(R.SELF), Reason.SCOPE),
        (
            AccessRequest(Action.SYNC, scopes=frozenset({Scope.CONTACT_SYNC})),
            _ctx(R.CONNECTION, app_blocked=True),
            Reason.APP_BLOCKED,
        ),
        (AccessRequest(Action.DOWNLOAD, Purpose.MARKETING), _ctx(R.SELF), None),
    ],
)
def test_scope_app_purpose_suppression_and_quota(request_, context, expected):
    decision = decide(request_, context, Field.EMAIL, OPEN)
    assert decision == (Decision.allow() if expected is None else Decision.denied(expected))


HIDDEN = policy(A.NOBODY, A.NOBODY, A.NOBODY)


@pytest.mark.parametrize(
    ("request_", "field", "allowed"),
    [
        (AccessRequest(Action.VIEW), Field.FIRST_NAME, True),
        (AccessRequest(Action.VIEW), Field.LAST_NAME, True),
        (AccessRequest(Action.VIEW), Field.HEADLINE, False),
        (AccessRequest(Action.VIEW), Field.EMAIL, False),
        (AccessRequest(Action.DOWNLOAD, Purpose.PERSONAL), Field.FIRST_NAME, True),
        (AccessRequest(Action.DOWNLOAD, Purpose.PERSONAL), Field.EMAIL, False),
        (AccessRequest(Action.SYNC, Purpose.PERSONAL), Field.FIRST_NAME, False),
        (AccessRequest(Action.VIEW, scopes=frozenset(Scope)), Field.FIRST_NAME, False),
        (AccessRequest(Action.DOWNLOAD, scopes=frozenset(Scope)), Field.FIRST_NAME, False),
    ],
)
def test_the_accountability_rule_names_only_to_the_member_in_person(request_, field, allowed):
    context = _ctx(R.MEMBER, accountable=True)
    assert decide(request_, context, field, HIDDEN).allowed is allowed
    assert decide(request_, _ctx(R.MEMBER), field, HIDDEN).allowed is False


def test_every_denial_has_a_reason_and_no_allowance_has_one():
    assert Decision.denied(Reason.SCOPE).reason is Reason.SCOPE
    assert Decision.allow().reason is None


# --- properties ---------------------------------------------------------------

# An independent statement of the rule in docs/privacy-model.md. It names who each audience
# admits as a set instead of comparing ranks, and checks the layers in the
# order the engine documents. It shares nothing with permissions/ but the enums.
ADMITS = {
    A.NOBODY: set(),
    A.CONNECTIONS: {R.CONNECTION},
    A.NETWORK: {R.CONNECTION, R.NETWORK},
    A.MEMBERS: {R.CONNECTION, R.NETWORK, R.MEMBER},
    A.PUBLIC: {R.CONNECTION, R.NETWORK, R.MEMBER, R.ANONYMOUS},
}
GROUP = {
    "basic": {"first_name", "last_name", "headline", "company", "position", "location", "industry"},
    "contact": {"email", "phone", "website"},
    "personal": {"birthday", "address"},
}


def reference(request, context, field, pol):
    names = field.value in {"first_name", "last_name"}
    direct = request.action in (Action.VIEW, Action.DOWNLOAD) and request.scopes is None
    if context.accountable and direct and names:
        return True, None  # whoever took M's data is named to M, whatever else they set
    if request.scopes is not None and context.app_blocked:
        return False, "app_blocked"
    # The member's own purposes bind an app acting for them too; their own pages do not.
    if context.relation is not R.SELF or request.scopes is not None:
        purpose = request.purpose
        if purpose is not None:
            if purpose in context.consent.objections:
                return False, "purpose"
            if purpose is Purpose.MARKETING and not context.consent.marketing_opt_in:
                return False, "purpose"
    if context.relation is not R.SELF:
        if context.suppressed:
            return False, "suppressed"
        if context.over_quota:
            return False, "quota"
    if request.scopes is not None:
        group = next(g for g, names in GROUP.items() if field.value in names)
        if f"{group}:{request.action.value}" not in {s.value for s in request.scopes}:
            return False, "scope"
    audience = {Action.VIEW: pol.view, Action.DOWNLOAD: pol.download, Action.SYNC: pol.sync}[
        request.action
    ]
    if context.relation is not R.SELF and context.relation not in ADMITS[audience]:
        return False, "audience"
    return True, None


@given(requests, contexts, fields, any_policies)
def test_decide_agrees_with_the_reference_model(request_, context, field, pol):
    decision = decide(request_, context, field, pol)
    allowed, reason = reference(request_, context, field, pol)
    assert decision.allowed is allowed
    assert (decision.reason.value if decision.reason else None) == reason


@given(requests, subject_records())
def test_bulk_form_agrees_with_decide_one_by_one(request_, records):
    outcomes = list(decide_many(request_, records))
    assert [o.subject_id for o in outcomes] == [r.subject_id for r in records]
    for record, outcome in zip(records, outcomes, strict=True):
        released = {v.value_id for v in outcome.released}
        withheld = {v.value_id: reason for v, reason in outcome.withheld}
        assert released.isdisjoint(withheld)
        assert released | set(withheld) == {v.value_id for v in record.values}
        for value in record.values:
            single = decide(request_, record.context, value.field, value.policy)
            if single.allowed:
                assert value.value_id in released
            else:
                assert withheld[value.value_id] is single.reason


def test_no_subjects_no_outcomes():
    assert list(decide_many(AccessRequest(Action.VIEW), [])) == []
