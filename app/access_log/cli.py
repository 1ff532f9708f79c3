"""``flask audit``: verify the access log, prune it, and report processing to the operator."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from app.access_log.report import format_report, processing_report
from app.audit.integrity import LogTampered, prune, verify
from app.extensions import db

audit_cli = AppGroup("audit", help="Verify, prune and report on the access log.")


class _Day(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None):
        if isinstance(value, datetime):
            return value
        try:
            return datetime.strptime(str(value), "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            self.fail(f"{value!r} is not a date like 2026-01-31", param, ctx)


DAY = _Day()


def _key() -> bytes:
    return current_app.config["AUDIT_KEY"].encode()


@audit_cli.command("verify")
def verify_command() -> None:
    """Check the whole chain; exit 1 naming the first bad event."""
    result = verify(db.session, _key())
    if result.ok:
        click.echo(f"Access log intact: {result.checked} events verified.")
        return
    click.echo(
        f"Access log BROKEN at event {result.first_bad_seq}: {result.problem} "
        f"({result.checked} events verified before it).",
        err=True,
    )
    raise SystemExit(1)


@audit_cli.command("prune")
@click.option("--before", type=DAY, required=True, help="Remove events older than this UTC day.")
def prune_command(before: datetime) -> None:
    """Remove old events, leaving a signed checkpoint so the rest still verifies."""
    try:
        result = prune(db.session, _key(), before)
    except LogTampered as exc:
        db.session.rollback()
        click.echo(f"Refusing to prune a log that does not verify: {exc}.", err=True)
        raise SystemExit(1) from exc
    db.session.commit()
    click.echo(
        f"Removed {result.removed} events before {before:%Y-%m-%d}; "
        f"the log now starts after checkpoint {result.checkpoint_seq}."
    )


@audit_cli.command("report")
@click.option("--since", type=DAY, required=True, help="First UTC day to include.")
def report_command(since: datetime) -> None:
    """Print exports and syncs by purpose and by app (records of processing)."""
    click.echo(format_report(processing_report(db.session, since), since))
