"""Adding, changing and removing profile values, with validation per field.

Every new value gets its policy copied from the defaults table at creation
time. From then on only the member changes it (``app.privacy.services``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.models.profiles import ProfileValue
from app.profiles.phones import InvalidPhoneNumber, to_e164
from permissions import Field, Policy, ValueLabel, default_policy

MAX_VALUES_PER_FIELD = 10
FIELD_MAX_LENGTH: dict[Field, int] = {
    Field.FIRST_NAME: 80,
    Field.LAST_NAME: 80,
    Field.HEADLINE: 160,
    Field.COMPANY: 120,
    Field.POSITION: 120,
    Field.LOCATION: 120,
    Field.INDUSTRY: 120,
    Field.EMAIL: 254,
    Field.PHONE: 32,
    Field.WEBSITE: 300,
    Field.BIRTHDAY: 10,
    Field.ADDRESS: 300,
}
SINGLE_VALUED_FIELDS = tuple(f for f in Field if not f.multi_valued)

# "name:" not followed by a digit is a URL scheme, not host:port.
_OTHER_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:(?!\d)")
# Bidirectional overrides can make text display differently from what it is.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class ProfileError(ValueError):
    """A profile change that cannot be made; the message says why."""


class ValueNotFound(LookupError):
    """No value with that id belongs to this member."""


def normalise_line_breaks(text: str) -> str:
    """``text`` with every CRLF and lone CR made a LF.

    A browser's textarea sends each line break as CRLF (HTML's form
    submission rules); a value keeps "\n" alone, and no other control.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_text(field: Field, text: str) -> None:
    allowed_controls = "\n" if field is Field.ADDRESS else ""
    for char in text:
        if char in _BIDI_CONTROLS or (
            unicodedata.category(char) == "Cc" and char not in allowed_controls
        ):
            raise ProfileError(f"{field.caption} contains a control character; remove it.")


def _clean_email(raw: str) -> str:
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ProfileError(f"That e-mail address is not valid: {exc}") from exc


def _clean_phone(raw: str) -> str:
    try:
        return to_e164(raw)
    except InvalidPhoneNumber as exc:
        raise ProfileError(str(exc)) from exc


def _clean_website(raw: str) -> str:
    refused = ProfileError("A website must be an http:// or https:// address.")
    if "://" not in raw and _OTHER_SCHEME.match(raw):
        raise refused  # javascript:, data:, mailto: ... are not websites
    candidate = raw if "://" in raw else f"https://{raw}"
    if not _website_address(candidate):
        raise refused
    return candidate


def _website_address(candidate: str) -> bool:
    """An http(s) address whose host is a name with a dot, not a bracketed IP literal.

    urlsplit raises for an unpaired bracket ("https://[::1"), which was a 500
    (found by review); a paired one ("https://[v1.x]/") named no website.
    """
    try:
        parts = urlsplit(candidate)
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and "." in (parts.hostname or "")
        and "[" not in parts.netloc
        and " " not in candidate
    )


def _clean_birthday(raw: str) -> str:
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise ProfileError("Give the birthday as YYYY-MM-DD.") from exc
    if not date(1900, 1, 1) <= day <= utcnow().date():
        raise ProfileError("That birthday is not a plausible date.")
    return day.isoformat()


_CLEANERS = {
    Field.EMAIL: _clean_email,
    Field.PHONE: _clean_phone,
    Field.WEBSITE: _clean_website,
    Field.BIRTHDAY: _clean_birthday,
}


def clean_value(field: Field, raw: str) -> str:
    """Validate and normalise a value for ``field``.

    Raises:
        ProfileError: empty, too long, control characters, or malformed for the field.
    """
    text = normalise_line_breaks(raw).strip()
    if not text:
        raise ProfileError(f"{field.caption} cannot be empty.")
    limit = FIELD_MAX_LENGTH[field]
    if len(text) > limit:
        raise ProfileError(f"{field.caption} is limited to {limit} characters.")
    _check_text(field, text)
    cleaner = _CLEANERS.get(field)
    return cleaner(text) if cleaner else text


def _checked_label(field: Field, label: ValueLabel) -> ValueLabel:
    if label not in field.labels:
        names = ", ".join(choice.value for choice in field.labels)
        raise ProfileError(f"{field.caption} takes one of the labels {names}.")
    return label


def values_of(session: Session, member_id: int) -> list[ProfileValue]:
    """All values of one member, in catalog order, then by position."""
    order = {f: i for i, f in enumerate(Field)}
    rows = session.scalars(select(ProfileValue).where(ProfileValue.member_id == member_id)).all()
    return sorted(rows, key=lambda v: (order[v.field], v.position, v.id))


def owned_value(session: Session, member_id: int, value_id: int) -> ProfileValue:
    """The member's value with this id.

    Raises:
        ValueNotFound: it does not exist or belongs to someone else.
    """
    value = session.get(ProfileValue, value_id)
    if value is None or value.member_id != member_id:
        raise ValueNotFound(value_id)
    return value


def _values_of_field(session: Session, member_id: int, field: Field) -> list[ProfileValue]:
    stmt = (
        select(ProfileValue)
        .where(ProfileValue.member_id == member_id, ProfileValue.field == field)
        .order_by(ProfileValue.position, ProfileValue.id)
    )
    return list(session.scalars(stmt))


def add_value(
    session: Session,
    member_id: int,
    field: Field,
    raw: str,
    *,
    label: ValueLabel | None = None,
    primary: bool = False,
    policy: Policy | None = None,
) -> ProfileValue:
    """Add a value with its policy stored explicitly (the default unless given).

    Raises:
        ProfileError: invalid value, a second value for a single-valued field,
            a duplicate, too many values, or a label the field does not take.
    """
    text = clean_value(field, raw)
    existing = _values_of_field(session, member_id, field)
    if not field.multi_valued:
        if existing:
            raise ProfileError(f"{field.caption} is already set; change it instead.")
        label = None
    else:
        if len(existing) >= MAX_VALUES_PER_FIELD:
            raise ProfileError(f"You can keep at most {MAX_VALUES_PER_FIELD} of {field.caption}.")
        if any(v.value.casefold() == text.casefold() for v in existing):
            raise ProfileError(f"You already have that {field.caption.lower()}.")
        label = _checked_label(field, label or ValueLabel.OTHER)
    is_primary = field is Field.EMAIL and (primary or not existing)
    if is_primary:
        for other in existing:
            other.is_primary = False
        session.flush()
    value = ProfileValue(
        member_id=member_id,
        field=field,
        label=label,
        value=text,
        is_primary=is_primary,
        position=max((v.position for v in existing), default=-1) + 1,
    )
    value.policy = policy or default_policy(field)
    session.add(value)
    session.flush()
    return value


def set_single_value(
    session: Session, member_id: int, field: Field, raw: str
) -> ProfileValue | None:
    """Set, change or (with an empty string) clear a single-valued field.

    A changed value keeps its policy: rewording a headline does not reset who sees it.

    Raises:
        ProfileError: invalid value, or ``field`` is multi-valued.
    """
    if field.multi_valued:
        raise ProfileError(f"{field.caption} holds several values; add or remove them one by one.")
    existing = _values_of_field(session, member_id, field)
    current = existing[0] if existing else None
    if not raw.strip():
        if current is not None:
            session.delete(current)
        return None
    if current is None:
        return add_value(session, member_id, field, raw)
    text = clean_value(field, raw)
    if text != current.value:
        current.value = text
        current.updated_at = utcnow()
    return current


def relabel_value(session: Session, member_id: int, value_id: int, label: ValueLabel) -> None:
    """Change the label of one of the member's multi-valued values.

    Raises:
        ValueNotFound: not the member's value.
        ProfileError: the value's field takes no label, or not this one.
    """
    value = owned_value(session, member_id, value_id)
    if not value.field.multi_valued:
        raise ProfileError(f"{value.field.caption} has no label.")
    value.label = _checked_label(value.field, label)
    value.updated_at = utcnow()


def remove_value(session: Session, member_id: int, value_id: int) -> None:
    """Remove one value; removing the primary e-mail promotes the next one.

    Raises:
        ValueNotFound: not the member's value.
    """
    value = owned_value(session, member_id, value_id)
    was_primary = value.is_primary
    session.delete(value)
    session.flush()
    if was_primary:
        remaining = _values_of_field(session, member_id, Field.EMAIL)
        if remaining:
            remaining[0].is_primary = True


def make_primary(session: Session, member_id: int, value_id: int) -> None:
    """Make one of the member's e-mails the primary one.

    Raises:
        ValueNotFound: not the member's value.
        ProfileError: the value is not an e-mail.
    """
    value = owned_value(session, member_id, value_id)
    if value.field is not Field.EMAIL:
        raise ProfileError("Only an e-mail can be primary.")
    for other in _values_of_field(session, member_id, Field.EMAIL):
        other.is_primary = False
    session.flush()
    value.is_primary = True
