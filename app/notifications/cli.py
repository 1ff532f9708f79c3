"""``flask notifications send``: make the weekly access digests (run it daily from cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.clock import utcnow
from app.extensions import db
from app.notifications.services import send_digests

notifications_cli = AppGroup("notifications", help="In-app notifications.")


@notifications_cli.command("send")
def send_command() -> None:
    """Make every access digest that is due."""
    click.echo(f"Made {send_digests(db.session, utcnow())} access digests.")
