"""The words of the privacy rule: fields, actions, audiences, relations, purposes.

Everything here is a plain ``StrEnum`` so that values round-trip through
databases, forms and JSON as their lowercase names.
"""

from __future__ import annotations

from enum import StrEnum


class Field(StrEnum):
    """A profile attribute from the fixed catalog."""

    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    HEADLINE = "headline"
    COMPANY = "company"
    POSITION = "position"
    LOCATION = "location"
    INDUSTRY = "industry"
    EMAIL = "email"
    PHONE = "phone"
    WEBSITE = "website"
    BIRTHDAY = "birthday"
    ADDRESS = "address"

    @property
    def multi_valued(self) -> bool:
        """True for fields that hold several labelled values (e-mail, phone, website)."""
        return self in MULTI_VALUED_FIELDS

    @property
    def caption(self) -> str:
        """The field's name as a person reads it ("E-mail")."""
        return _FIELD_TITLES[self]

    @property
    def group(self) -> FieldGroup:
        """The scope group an OAuth scope names for this field."""
        return _FIELD_GROUPS[self]

    @property
    def labels(self) -> tuple[ValueLabel, ...]:
        """The labels a value of this field may carry, in display order; none if single-valued."""
        return _FIELD_LABELS.get(self, ())

    @property
    def is_contact_detail(self) -> bool:
        """True for the fields that let someone reach the member (e-mail, phone)."""
        return self in CONTACT_DETAIL_FIELDS


class ValueLabel(StrEnum):
    """The label of one value of a multi-valued field."""

    PERSONAL = "personal"
    WORK = "work"
    MOBILE = "mobile"
    OTHER = "other"

    @property
    def caption(self) -> str:
        """The label as a form offers it ("Mobile")."""
        return self.value.capitalize()


class Action(StrEnum):
    """What a requester wants to do with a value."""

    VIEW = "view"
    DOWNLOAD = "download"
    SYNC = "sync"

    @property
    def verb(self) -> str:
        """The verb a settings page uses for the action ("see", not ``view``)."""
        return "see" if self is Action.VIEW else self.value


class Audience(StrEnum):
    """Who a member lets take an action, from narrowest to widest."""

    NOBODY = "nobody"
    CONNECTIONS = "connections"
    NETWORK = "network"
    MEMBERS = "members"
    PUBLIC = "public"

    @property
    def rank(self) -> int:
        """Position in the order nobody < connections < network < members < public."""
        return AUDIENCE_RANK[self]

    @property
    def caption(self) -> str:
        """How a settings page names this audience."""
        return _AUDIENCE_TITLES[self]

    def admits(self, relation: Relation) -> bool:
        """True if a requester with ``relation`` to the member is inside this audience."""
        return relation is Relation.SELF or RELATION_RANK[relation] <= AUDIENCE_RANK[self]


class Relation(StrEnum):
    """How a requester stands to the member whose data they ask for."""

    SELF = "self"
    CONNECTION = "connection"
    NETWORK = "network"
    MEMBER = "member"
    ANONYMOUS = "anonymous"


class Purpose(StrEnum):
    """Why data leaves: declared on every export and every app grant."""

    PERSONAL = "personal"
    RECRUITING = "recruiting"
    SALES = "sales"
    MARKETING = "marketing"

    @property
    def needs_opt_in(self) -> bool:
        """True for purposes a member must switch on (marketing), not merely not object to."""
        return self is Purpose.MARKETING


class Reason(StrEnum):
    """Why a value was withheld. Every denial carries exactly one.

    :func:`permissions.explain.why_refused` words it for the member whose data it is.
    """

    AUDIENCE = "audience"
    SCOPE = "scope"
    APP_BLOCKED = "app_blocked"
    PURPOSE = "purpose"
    SUPPRESSED = "suppressed"
    QUOTA = "quota"


class FieldGroup(StrEnum):
    """Groups of fields that OAuth scopes name."""

    BASIC = "basic"
    CONTACT = "contact"
    PERSONAL = "personal"


class Scope(StrEnum):
    """An OAuth scope: ``resource:action`` over a field group."""

    BASIC_VIEW = "basic:view"
    BASIC_DOWNLOAD = "basic:download"
    BASIC_SYNC = "basic:sync"
    CONTACT_VIEW = "contact:view"
    CONTACT_DOWNLOAD = "contact:download"
    CONTACT_SYNC = "contact:sync"
    PERSONAL_VIEW = "personal:view"
    PERSONAL_DOWNLOAD = "personal:download"
    PERSONAL_SYNC = "personal:sync"

    @classmethod
    def for_(cls, field: Field, action: Action) -> Scope:
        """The one scope that covers ``action`` on ``field``."""
        return cls(f"{field.group}:{action}")


MULTI_VALUED_FIELDS = frozenset({Field.EMAIL, Field.PHONE, Field.WEBSITE})
CONTACT_DETAIL_FIELDS = frozenset({Field.EMAIL, Field.PHONE})

# Only a phone is a mobile; an e-mail or website labelled so would only add an
# always-empty "E-mail (mobile)" column to every CSV export.
_FIELD_LABELS: dict[Field, tuple[ValueLabel, ...]] = {
    Field.EMAIL: (ValueLabel.PERSONAL, ValueLabel.WORK, ValueLabel.OTHER),
    Field.PHONE: (ValueLabel.PERSONAL, ValueLabel.WORK, ValueLabel.MOBILE, ValueLabel.OTHER),
    Field.WEBSITE: (ValueLabel.PERSONAL, ValueLabel.WORK, ValueLabel.OTHER),
}

AUDIENCE_RANK: dict[Audience, int] = {audience: rank for rank, audience in enumerate(Audience)}

# A relation is admitted by every audience whose rank is at least the relation's.
RELATION_RANK: dict[Relation, int] = {
    Relation.SELF: 0,
    Relation.CONNECTION: AUDIENCE_RANK[Audience.CONNECTIONS],
    Relation.NETWORK: AUDIENCE_RANK[Audience.NETWORK],
    Relation.MEMBER: AUDIENCE_RANK[Audience.MEMBERS],
    Relation.ANONYMOUS: AUDIENCE_RANK[Audience.PUBLIC],
}

_FIELD_TITLES = {
    Field.FIRST_NAME: "First name",
    Field.LAST_NAME: "Last name",
    Field.HEADLINE: "Headline",
    Field.COMPANY: "Company",
    Field.POSITION: "Position",
    Field.LOCATION: "Location",
    Field.INDUSTRY: "Industry",
    Field.EMAIL: "E-mail",
    Field.PHONE: "Phone",
    Field.WEBSITE: "Website",
    Field.BIRTHDAY: "Birthday",
    Field.ADDRESS: "Address",
}

_FIELD_GROUPS = {
    Field.FIRST_NAME: FieldGroup.BASIC,
    Field.LAST_NAME: FieldGroup.BASIC,
    Field.HEADLINE: FieldGroup.BASIC,
    Field.COMPANY: FieldGroup.BASIC,
    Field.POSITION: FieldGroup.BASIC,
    Field.LOCATION: FieldGroup.BASIC,
    Field.INDUSTRY: FieldGroup.BASIC,
    Field.EMAIL: FieldGroup.CONTACT,
    Field.PHONE: FieldGroup.CONTACT,
    Field.WEBSITE: FieldGroup.CONTACT,
    Field.BIRTHDAY: FieldGroup.PERSONAL,
    Field.ADDRESS: FieldGroup.PERSONAL,
}

_AUDIENCE_TITLES = {
    Audience.NOBODY: "Only me",
    Audience.CONNECTIONS: "Connections",
    Audience.NETWORK: "Network (2nd degree)",
    Audience.MEMBERS: "All members",
    Audience.PUBLIC: "Public",
}
