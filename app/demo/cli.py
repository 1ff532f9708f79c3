"""``flask demo load``: fill the database with the demo network."""

from __future__ import annotations

import random

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.audit.sequencer import seal_once
from app.audit.signing import origin, signer_key
from app.demo.history import load_history
from app.demo.loader import DEMO_PASSWORD, RECRUITER_EMAIL, SEED, load_demo
from app.extensions import db
from app.models.accounts import Member

demo_cli = AppGroup("demo", help="Demo data.")


def _sealed() -> str:
    """Seal what the demo wrote, and say so.

    Its events are backdated over three weeks, so ``flask audit verify`` run
    before any sequencer found them all overdue for a checkpoint (found by
    review). A sequencer already at work seals them itself.
    """
    if seal_once(db.session, signer_key(), origin()) is None:
        return "left to the sequencer at work to seal"
    return "sealed into the access log"


@demo_cli.command("load")
def load_command() -> None:
    """Load the demo network (safe to run again: it adds only what is missing)."""
    if current_app.config["ENV_NAME"] == "production":
        # 240 accounts whose password is in the README have no place in production.
        raise click.ClickException("The demo network is for development; refusing in production.")
    summary = load_demo(db.session)
    members = db.session.scalars(select(Member.id).order_by(Member.id)).all()
    recruiter = db.session.scalar(select(Member.id).where(Member.email == RECRUITER_EMAIL))
    events = load_history(db.session, members, recruiter or members[0], random.Random(SEED))
    sealed = _sealed()  # on every run: an earlier load may have left its events pending
    click.echo(
        f"Demo network ready: {summary.members_total} members "
        f"({summary.members_created} created now)."
    )
    click.echo(
        f"Recruiter:  {RECRUITER_EMAIL} / {DEMO_PASSWORD}  "
        f"({summary.recruiter_connections} connections)"
    )
    if events:
        click.echo(f"Access history: {events} events over the last three weeks, {sealed}.")
    click.echo(f"Any member: <first>.<last>.<n>@demo.fieldgate.example / {DEMO_PASSWORD}")
    click.echo("  e.g. see `flask demo members` for a few sign-in e-mails.")


@demo_cli.command("members")
def members_command() -> None:
    """Print a few demo sign-in e-mails."""
    for email in db.session.scalars(select(Member.email).order_by(Member.id).limit(10)):
        click.echo(email)
