"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

import sys

from app import create_app
from app.config import ConfigurationError

# gunicorn's WORKER_BOOT_ERROR (arbiter.py): a worker exiting with it stops the
# master. Found by review: SystemExit(message) exits 1, and without --preload the
# master booted the worker again, forever, printing the same line each time.
WORKER_BOOT_ERROR = 3

try:
    app = create_app()
except ConfigurationError as exc:
    # A setting to fix, not a bug: say which in one line, without a traceback to
    # dig it out of (gunicorn and every `flask` command load this module first).
    print(f"Fieldgate is not configured: {exc}", file=sys.stderr)
    sys.exit(WORKER_BOOT_ERROR)
