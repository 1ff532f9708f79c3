"""Fixtures for the partner apps tests: a member signed in, an app registered."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.clock import FixedClock
from tests.app.apps.helpers import Harness, new_app
from tests.conftest import sign_in_as
from tests.factories import make_member


@pytest.fixture
def oauth(app: Flask, client: FlaskClient, session: Session, clock: FixedClock) -> Harness:
    """Ann signed in; Dev's app "CRM Sync" registered (basic:view, contact:view, contact:sync)."""
    developer = make_member(session, "Dev", "Eloper")
    member = make_member(session, "Ann", "Member")
    session.commit()
    registered, secret = new_app(app, session, developer)
    sign_in_as(client, member)
    return Harness(client, session, member, registered, secret)
