"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

from app import create_app
from app.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as exc:
    # A setting to fix, not a bug: say which, without a traceback to dig it out of
    # (gunicorn and every `flask` command load this module first).
    raise SystemExit(f"Fieldgate is not configured: {exc}") from None
