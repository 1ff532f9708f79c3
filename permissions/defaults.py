"""The one table of default policies, and the presets a member may apply.

Defaults are only ever copied into a new value's stored policy. Changing this
table changes what *new* values start with; it never touches values that
already exist, so no existing member's exposure widens behind their back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from permissions.policy import Policy, policy
from permissions.vocabulary import Audience, Field

_NOBODY = Audience.NOBODY
_CONNECTIONS = Audience.CONNECTIONS
_NETWORK = Audience.NETWORK
_MEMBERS = Audience.MEMBERS
_PUBLIC = Audience.PUBLIC

_PUBLIC_BASIC = policy(_PUBLIC, _CONNECTIONS, _NOBODY)
_CONTACT = policy(_CONNECTIONS, _NOBODY, _NOBODY)

DEFAULT_POLICIES: Mapping[Field, Policy] = MappingProxyType(
    {
        Field.FIRST_NAME: _PUBLIC_BASIC,
        Field.LAST_NAME: _PUBLIC_BASIC,
        Field.HEADLINE: _PUBLIC_BASIC,
        Field.COMPANY: _PUBLIC_BASIC,
        Field.POSITION: _PUBLIC_BASIC,
        Field.INDUSTRY: _PUBLIC_BASIC,
        Field.LOCATION: policy(_MEMBERS, _CONNECTIONS, _NOBODY),
        Field.WEBSITE: policy(_MEMBERS, _CONNECTIONS, _NOBODY),
        Field.EMAIL: _CONTACT,
        Field.PHONE: _CONTACT,
        Field.BIRTHDAY: _CONTACT,
        Field.ADDRESS: _CONTACT,
    }
)


def default_policy(field: Field) -> Policy:
    """The policy a new value of ``field`` starts with."""
    return DEFAULT_POLICIES[field]


@dataclass(frozen=True, slots=True)
class Preset:
    """A named set of policies a member can apply to all their values at once."""

    name: str
    title: str
    description: str
    policies: Mapping[Field, Policy]

    def policy_for(self, field: Field) -> Policy:
        """The policy this preset gives every value of ``field``."""
        return self.policies[field]


def _uniform(basic: Policy, contact: Policy, personal: Policy) -> Mapping[Field, Policy]:
    by_group = {"basic": basic, "contact": contact, "personal": personal}
    return MappingProxyType({field: by_group[field.group.value] for field in Field})


PRESETS: Mapping[str, Preset] = MappingProxyType(
    {
        "private": Preset(
            name="private",
            title="Most private",
            description=(
                "Members see your name and headline; only connections see the rest of your "
                "profile and your contact details; only you see your birthday and address. "
                "Nothing goes into anyone's downloads or any app's CRM."
            ),
            policies=MappingProxyType(
                {
                    **_uniform(
                        policy(_CONNECTIONS, _NOBODY, _NOBODY),
                        policy(_CONNECTIONS, _NOBODY, _NOBODY),
                        policy(_NOBODY, _NOBODY, _NOBODY),
                    ),
                    Field.FIRST_NAME: policy(_MEMBERS, _NOBODY, _NOBODY),
                    Field.LAST_NAME: policy(_MEMBERS, _NOBODY, _NOBODY),
                    Field.HEADLINE: policy(_MEMBERS, _NOBODY, _NOBODY),
                }
            ),
        ),
        "default": Preset(
            name="default",
            title="Fieldgate default",
            # Each claim is the table's (found by review: "your professional profile is
            # public" while location and website are for members only).
            description=(
                "Your name, headline, company, position and industry are public, your location "
                "and website visible to members; connections can download them. Connections "
                "see your contact details, birthday and address but cannot download them."
            ),
            policies=DEFAULT_POLICIES,
        ),
        "recruiters": Preset(
            name="recruiters",
            title="Open to recruiters",
            # Every audience it sets, wider or not: the confirm page lists each change,
            # but the summary is what a member weighs first (found by review: it left out
            # that the whole network comes to see your e-mail and phone).
            description=(
                "Your profile is public and your network (2nd degree) can download it. "
                "Your network can also see your e-mail, phone and website, and connections "
                "can download them. Only connections see your birthday and address. "
                "Nothing is synced to apps."
            ),
            policies=_uniform(
                policy(_PUBLIC, _NETWORK, _NOBODY),
                policy(_NETWORK, _CONNECTIONS, _NOBODY),
                policy(_CONNECTIONS, _NOBODY, _NOBODY),
            ),
        ),
    }
)
