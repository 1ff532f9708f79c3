"""Fixtures for the partner API: Rita signed in, an app that may ask to view and download."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.clock import FixedClock
from permissions import Scope
from tests.app.apps.helpers import Harness, new_app
from tests.conftest import sign_in_as
from tests.factories import make_member

EVERY_READ = (
    Scope.BASIC_VIEW,
    Scope.CONTACT_VIEW,
    Scope.PERSONAL_VIEW,
    Scope.BASIC_DOWNLOAD,
    Scope.CONTACT_DOWNLOAD,
    Scope.PERSONAL_DOWNLOAD,
)


@pytest.fixture
def partner(app: Flask, client: FlaskClient, session: Session, clock: FixedClock) -> Harness:
    """Rita signed in; "Talent Finder" (recruiting) may ask for every view and download scope."""
    developer = make_member(session, "Dev", "Eloper")
    rita = make_member(session, "Rita", "Recruiter")
    session.commit()
    registered, secret = new_app(app, session, developer, name="Talent Finder", scopes=EVERY_READ)
    sign_in_as(client, rita)
    return Harness(client, session, rita, registered, secret)
