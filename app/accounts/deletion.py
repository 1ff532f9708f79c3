"""Deleting an account: everything that belongs to the member goes, in one transaction.

What goes: every row of every table that refers to the member (profile
values, connections both ways, invitations sent and received, purposes,
suppressions both ways, blocks, grants and their tokens, security history,
notifications, privacy history, export runs, quota use, sign-in sessions).
The tables are found from the schema's foreign keys, not listed by hand, so
a table added later is erased too (a test holds every table to that).

What stays, and why:

- the member row, as a tombstone: ``deleted_at`` set, the e-mail and the
  password hash scrubbed, the handle retired. The access log names members
  by id; a deleted id must never become someone else's.
- the access log's events. They hold ids and field names, never values, and
  are sealed in the tamper-evident tree; other members rely on them to know
  who read their data.
- apps the member registered, deleted as the developer portal deletes them
  (grants revoked; secret, description, homepage and redirect URIs cleared):
  the name stays, for the histories of members who used the app.
  Other domains do such steps through ``erasers`` given by the caller, since
  this package may not import theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import delete
from sqlalchemy.orm import Session

import app.models  # noqa: F401 (registers every table on the metadata read below)
from app.accounts.services import verify_password
from app.clock import utcnow
from app.database import Base
from app.models.accounts import Member

# A step another domain runs first (e.g. deleting the member's apps); it may
# change rows of tables below, which the generic erasure then leaves alone.
Eraser = Callable[[Session, Member], None]

# Tables whose rows referring to the member stay (an eraser dealt with them).
KEPT = frozenset({"members", "oauth_clients"})
SCRUBBED_PASSWORD = "!deleted"  # noqa: S105 (not a hash: no password verifies against it)


def tables_referring_to_members() -> list[tuple[str, list[str]]]:
    """(table, columns) for every table with a foreign key to ``members.id``, dependents first."""
    found = []
    for table in reversed(Base.metadata.sorted_tables):
        columns = [
            fk.parent.name
            for fk in table.foreign_keys
            if fk.column.table.name == "members" and fk.column.name == "id"
        ]
        if columns:
            found.append((table.name, columns))
    return found


def delete_account(
    session: Session, member: Member, password: str, erasers: Iterable[Eraser] = ()
) -> None:
    """Erase the member's account after checking their password (the caller commits).

    Raises:
        WrongPassword: ``password`` is not the member's password; nothing changed.
    """
    verify_password(member, password)
    for erase in erasers:
        erase(session, member)
    for name, columns in tables_referring_to_members():
        if name in KEPT:
            continue
        table = Base.metadata.tables[name]
        for column in columns:
            session.execute(delete(table).where(table.c[column] == member.id))
    member.email = f"deleted-{member.handle}@deleted.invalid"
    member.password_hash = SCRUBBED_PASSWORD
    member.deleted_at = utcnow()
    session.flush()
