"""``flask audit``: verify the access log, prune it, and report processing to the operator."""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from app.access_log.report import format_report, processing_report
from app.audit.integrity import LogTampered, prune, verify
from app.audit.keygen import announcement
from app.audit.note import generate_signer_key
from app.audit.sequencer import run, seal_once
from app.audit.signing import origin, signer_key, verifier_key
from app.audit.tree import tree_state
from app.clock import utcnow
from app.extensions import db
from app.models.audit import LEASE_ID, SequencerLease

audit_cli = AppGroup("audit", help="Verify, prune and report on the access log; sign and seal it.")


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


def _delay() -> timedelta:
    return timedelta(seconds=int(current_app.config["AUDIT_SEAL_DELAY_SECONDS"]))


@audit_cli.command("verify")
def verify_command() -> None:
    """Check checkpoints, the tree and every stored event; exit 1 naming the first problem."""
    result = verify(db.session, verifier_key(), origin(), now=utcnow(), delay=_delay())
    if result.ok:
        tree = tree_state(db.session)
        click.echo(
            f"Access log intact: {result.checked} stored events verified against a tree of "
            f"{tree.size} leaves and every signed checkpoint."
        )
        return
    click.echo(
        f"Access log BROKEN: {result.problem} ({result.checked} events verified before it).",
        err=True,
    )
    raise SystemExit(1)


@audit_cli.command("prune")
@click.option("--before", type=DAY, required=True, help="Remove events older than this UTC day.")
def prune_command(before: datetime) -> None:
    """Remove old sealed events; the tree and its checkpoints stay, so the rest still verifies."""
    if before > utcnow():
        # A mistyped year would erase members' whole history, sealed seconds ago included.
        click.echo(
            f"Refusing to prune: {before:%Y-%m-%d} is in the future, so every event would go."
            " Give a past day.",
            err=True,
        )
        raise SystemExit(2)
    try:
        result = prune(db.session, signer_key(), origin(), before, now=utcnow(), delay=_delay())
    except LogTampered as exc:
        db.session.rollback()
        click.echo(f"Refusing to prune a log that does not verify: {exc}.", err=True)
        raise SystemExit(1) from exc
    db.session.commit()
    click.echo(
        f"Removed {result.removed} events before {before:%Y-%m-%d}; "
        f"the log's stored events now start at leaf {result.pruned_below}."
    )


@audit_cli.command("keygen")
@click.option(
    "--origin", "name", default=None, help="The log's origin (default: AUDIT_LOG_ORIGIN)."
)
def keygen_command(name: str | None) -> None:
    """Make a signing key for checkpoints; print it (for AUDIT_SIGNING_KEY) and its verifier key."""
    secret, advice = announcement(
        generate_signer_key(name or current_app.config["AUDIT_LOG_ORIGIN"])
    )
    click.echo(secret)
    click.echo("\n".join(advice), err=True)


def _seal_once() -> None:
    sealed = seal_once(db.session, signer_key(), origin())
    if sealed is None:
        lease = db.session.get(SequencerLease, LEASE_ID)
        who = f"{lease.holder}, until {lease.expires_at:%H:%M:%S} UTC" if lease else "another"
        click.echo(f"Another sequencer ({who}) is sealing the log; nothing done.", err=True)
        return
    click.echo(f"Sealed {sealed} events.")


@audit_cli.command("sequencer")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between rounds.")
@click.option("--once", is_flag=True, help="Seal what is pending now, then stop.")
def sequencer_command(interval: float, once: bool) -> None:
    """Seal committed events into the tree and sign checkpoints (one works at a time)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        _seal_once()
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    click.echo("Sequencer running; stop it with Ctrl-C or SIGTERM.")
    try:
        run(app, stop, interval)
    except KeyboardInterrupt:
        stop.set()


@audit_cli.command("report")
@click.option("--since", type=DAY, required=True, help="First UTC day to include.")
def report_command(since: datetime) -> None:
    """Print exports and syncs by purpose and by app (records of processing)."""
    click.echo(format_report(processing_report(db.session, since), since))
