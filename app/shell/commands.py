"""The ``flask`` commands' database errors, said as what to do about them.

A command run before ``flask db upgrade``, or with the database down, met a
SQLAlchemy traceback of forty lines; the operator needs one. Click shows a
:class:`click.ClickException` as ``Error: <message>`` with exit code 1.
"""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

MISSING_TABLE = ("no such table", "does not exist", "undefinedtable")


def database_problem(exc: OperationalError | ProgrammingError) -> str:
    """What went wrong with the database, and what to do, in a line."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    if any(words in reason.lower() for words in MISSING_TABLE):
        return (
            f"the database has no Fieldgate tables yet, or older ones ({reason}). "
            "Run `flask --app wsgi db upgrade` first."
        )
    return f"the database cannot be used: {reason}. Check DATABASE_URL and that it is running."


def explaining_database_errors(command: click.Command) -> click.Command:
    """``command``, with its database errors turned into one line each (subcommands too)."""
    if getattr(command, "explains_database_errors", False):  # every app built wraps it once
        return command
    invoke = command.invoke

    def guarded(ctx: click.Context) -> Any:
        try:
            return invoke(ctx)
        except (OperationalError, ProgrammingError) as exc:
            raise click.ClickException(database_problem(exc)) from exc

    command.invoke = guarded  # type: ignore[method-assign]
    command.explains_database_errors = True  # type: ignore[attr-defined]
    return command
