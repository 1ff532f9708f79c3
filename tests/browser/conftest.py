"""A live Fieldgate on its own database, and headless Debian Chromium driven by Playwright.

Browser tests commit for real (the server runs in another thread), so they
get a database of their own, emptied after each test.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from app import create_app
from app.extensions import db
from tests.database import isolated_database, migrate, truncate_all
from tests.settings import app_config

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "screenshots"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app on a database of its own (a second SQLite file, or a PostgreSQL schema)."""
    url = isolated_database(database_url, tmp_path_factory.mktemp("browser"), "browser")
    application = create_app(app_config(url))
    migrate(application)
    yield application
    with application.app_context():
        db.engine.dispose()


def _closed_before_sent(application: WSGIApplication) -> WSGIApplication:
    """Hand werkzeug's test server each response whole, its iterable already closed.

    When a browser hangs up mid-response (a favicon it stopped wanting), the
    server's clean-up read raises before it closes the response, and the file
    behind a static response is left open: a ResourceWarning, an error under
    ``-W error``, in whichever test runs then. Production runs gunicorn; here a
    whole body costs nothing and no response is left for the server to close.
    """

    def closed(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        body = application(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return closed


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve ``live_app`` on a free local port for the whole run."""
    server = make_server("127.0.0.1", 0, _closed_before_sent(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium (Playwright's own browser download is not used)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. `make test` installs it "
            "(Debian package `chromium`); or set CHROMIUM_PATH."
        )
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser: Browser, live_server: str, live_app: Flask) -> Iterator[object]:
    """A factory of pages, each in its own browser context (own cookies), 1280x900 unless told."""
    contexts = []

    def make(width: int = 1280, height: int = 900) -> Page:
        context = browser.new_context(
            base_url=live_server, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    truncate_all(live_app)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under ``screenshots/`` for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # a sticky header would otherwise land mid-page
    page.screenshot(path=str(path), full_page=True)
    return path
