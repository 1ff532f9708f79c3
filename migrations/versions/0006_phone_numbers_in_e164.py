"""phone numbers in E.164

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:00:00.000000

Phone numbers were stored as typed ("+44 20 7946 0991"); from now on they are
stored in E.164 ("+442079460991"). This converts every stored number that
libphonenumber reads as valid, with its country code, and leaves every other
one as it was, reporting the ids (never the numbers) of those it left.

The conversion is copied here rather than imported from app/: a migration
must keep doing what it did when it was written, whatever app/ becomes.
"""

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import phonenumbers
import sqlalchemy as sa
from alembic import context, op
from phonenumbers import NumberParseException, PhoneNumberFormat

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.0006_phone_numbers_in_e164")

PAGE_SIZE = 1000
_PHONE_CHARS = re.compile(r"[+\uff0b]?[\d ().\-/]+")
_values = sa.table(
    "profile_values", sa.column("id", sa.Integer), sa.column("field"), sa.column("value")
)


def to_e164(text: str) -> str | None:
    """``text`` as an E.164 number, or None if it is not a valid number with its country code."""
    text = text.strip()
    if not text.startswith(("+", "\uff0b")) or not _PHONE_CHARS.fullmatch(text):
        return None
    try:
        number = phonenumbers.parse(text, None)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


@dataclass
class Report:
    """What the conversion did: counts, and the ids of the values it left as they were."""

    converted: int = 0
    already: int = 0
    left: list[int] = field(default_factory=list)


def _page(connection: sa.Connection, after: int, size: int) -> Sequence[sa.Row]:
    query = (
        sa.select(_values.c.id, _values.c.value)
        .where(_values.c.field == "phone", _values.c.id > after)
        .order_by(_values.c.id)
        .limit(size)
    )
    return connection.execute(query).all()


def convert_phone_numbers(connection: sa.Connection, page_size: int = PAGE_SIZE) -> Report:
    """Rewrite every convertible phone value in E.164, a page of rows at a time."""
    report = Report()
    update = (
        sa.update(_values)
        .where(_values.c.id == sa.bindparam("value_id"))
        .values(value=sa.bindparam("e164"))
    )
    after = 0
    while rows := _page(connection, after, page_size):
        changes = []
        for value_id, text in rows:
            e164 = to_e164(text)
            if e164 is None:
                report.left.append(value_id)
            elif e164 == text:
                report.already += 1
            else:
                changes.append({"value_id": value_id, "e164": e164})
        if changes:
            connection.execute(update, changes)
        report.converted += len(changes)
        after = rows[-1].id
    return report


def upgrade():
    if context.is_offline_mode():
        log.warning("Phone numbers are converted to E.164 only when migrating a live database.")
        return
    report = convert_phone_numbers(op.get_bind())
    log.info(
        "Phone numbers: %d converted to E.164, %d already in E.164, %d left as they were.",
        report.converted,
        report.already,
        len(report.left),
    )
    if report.left:
        log.warning(
            "Phone values left as they were (not a valid number with its country code; "
            "their members can correct them on their profile): ids %s",
            ", ".join(map(str, report.left)),
        )


def downgrade():
    # Nothing to undo: an E.164 number is a valid phone value for the code
    # before this revision, and the spacing members typed was not kept.
    pass
