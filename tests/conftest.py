"""Fixtures: one app per run, one rolled-back transaction per test.

``TEST_DATABASE_URL`` chooses the database (default: a SQLite file in a
temporary folder). The schema is built by the migrations, exactly as
``flask db upgrade`` builds it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask, request_finished
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from hypothesis import HealthCheck, settings
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from app import create_app
from app.accounts.services import open_session
from app.clock import FixedClock
from app.extensions import db
from tests.database import isolated_database, migrate, reset_schema, truncate_all
from tests.factories import TEST_PASSWORD, make_member
from tests.settings import app_config, test_database_url

# Machines here are shared and noisy: judge properties by their results, not
# by how long one example took. "ci" (HYPOTHESIS_PROFILE=ci, set by .ci/run)
# runs more examples everywhere; tests/properties.py sets the no-leak ones.
settings.register_profile(
    "fieldgate",
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("ci", parent=settings.get_profile("fieldgate"), max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fieldgate"))

_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of the database this run tests against."""
    return test_database_url(str(tmp_path_factory.mktemp("db") / "test.sqlite3"))


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """One migrated app for the whole run."""
    reset_schema(database_url)
    application = create_app(app_config(database_url))
    migrate(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def _committed_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    url = isolated_database(database_url, tmp_path_factory.mktemp("committed"), "committed")
    application = create_app(app_config(url))
    migrate(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def committed_app(_committed_app: Flask) -> Iterator[Flask]:
    """An app on a database of its own where commits are real (for concurrency tests).

    Emptied after each test. Use it only where the rolled-back ``session``
    cannot show the behaviour, such as parallel writers.
    """
    yield _committed_app
    truncate_all(_committed_app)


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Requests made during the test get sessions of their own on the same
    connection, and their commits become savepoint releases: views behave as
    in production while nothing outlives the test. After each request the
    test's session forgets what it loaded, so it reads what the view wrote.
    """
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    original, db.session = db.session, scoped_session(factory, scopefunc=_app_ctx_id)
    test_session = factory()

    def _forget(*_args: Any, **_kwargs: Any) -> None:
        test_session.expire_all()

    request_finished.connect(_forget, app)
    try:
        yield test_session
    finally:
        request_finished.disconnect(_forget, app)
        test_session.close()
        db.session = original
        outer.rollback()
        connection.close()


START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock(app: Flask) -> Iterator[FixedClock]:
    """The app's clock, standing at START until the test moves it."""
    fixed = FixedClock(START)
    app.config["CLOCK"] = fixed
    yield fixed
    app.config.pop("CLOCK", None)


@pytest.fixture
def client(app: Flask, session: Session) -> FlaskClient:
    """A test client whose requests share the test's transaction."""
    return app.test_client()


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's current session, read from a real form."""
    page = client.get("/signin")
    if page.status_code == 302:
        page = client.get("/")
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in_as(client: FlaskClient, member: Any) -> None:
    """Give ``client`` a sign-in session for ``member`` without the password round trip.

    For property tests that sign in hundreds of times: the real sign-in page
    (``Auth.login``) hashes the password on purpose slowly. The session is
    made by the same service the page uses.
    """
    with client.application.app_context():
        token = open_session(db.session, member)
        db.session.commit()
    with client.session_transaction() as state:
        state["_user_id"] = token
        state["_fresh"] = True


class Auth:
    """Sign members in and out through the real pages."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = TEST_PASSWORD) -> Any:
        token = csrf_token(self.client)
        response = self.client.post(
            "/signin", data={"email": email, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self) -> Any:
        return self.client.post("/signout", data={"csrf_token": csrf_token(self.client)})


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    """Sign-in helper bound to ``client``."""
    return Auth(client)


def post_form(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """POST a form with the session's CSRF token added."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)}, **kw)


class QueryCounter:
    """Counts the SQL statements an engine executes while active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(session: Session) -> Iterator[QueryCounter]:
    """Count statements on the test's connection."""
    counter = QueryCounter()
    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


@pytest.fixture
def oauth(app: Flask, client: FlaskClient, session: Session, clock: FixedClock) -> Any:
    """Ann signed in; Dev's app "CRM Sync" registered (basic:view, contact:view, contact:sync).

    A ``tests.app.apps.helpers.Harness``: here, for the tests of every package
    that meet partner apps (deleting an account, for one).
    """
    from tests.app.apps.helpers import Harness, new_app  # it imports this module

    developer = make_member(session, "Dev", "Eloper")
    member = make_member(session, "Ann", "Member")
    session.commit()
    registered, secret = new_app(app, session, developer)
    sign_in_as(client, member)
    return Harness(client, session, member, registered, secret)
