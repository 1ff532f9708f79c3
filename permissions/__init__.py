"""Fieldgate's privacy policy engine: vocabulary, defaults and the decision rule.

Pure: standard library only. See README.md in this folder for the rule that
keeps it so.
"""

from permissions.decisions import (
    AccessRequest,
    Consent,
    Decision,
    Outcome,
    SubjectContext,
    SubjectRecord,
    ValueRecord,
    decide,
    decide_many,
    subject_reason,
)
from permissions.defaults import DEFAULT_POLICIES, PRESETS, Preset, default_policy
from permissions.policy import Policy, PolicyError, policy
from permissions.vocabulary import (
    Action,
    Audience,
    Field,
    FieldGroup,
    Purpose,
    Reason,
    Relation,
    Scope,
    ValueLabel,
)

__all__ = [
    "DEFAULT_POLICIES",
    "PRESETS",
    "AccessRequest",
    "Action",
    "Audience",
    "Consent",
    "Decision",
    "Field",
    "FieldGroup",
    "Outcome",
    "Policy",
    "PolicyError",
    "Preset",
    "Purpose",
    "Reason",
    "Relation",
    "Scope",
    "SubjectContext",
    "SubjectRecord",
    "ValueLabel",
    "ValueRecord",
    "decide",
    "decide_many",
    "default_policy",
    "policy",
    "subject_reason",
]
