"""The web shell: the URL map, error pages, security headers and templating.

The top of the application: it is the only package that imports the pages,
APIs and commands of every domain (see README, "Layout").
"""

from __future__ import annotations

import threading

from flask import Flask

from app.access_log.api import bp as log_api_bp
from app.access_log.cli import audit_cli
from app.access_log.views import bp as access_log_bp
from app.accounts.views import bp as accounts_bp
from app.accounts.views import configure_login
from app.apps.api import bp as apps_api_bp
from app.apps.registration import delete_apps_of
from app.apps.server import authorization_server
from app.apps.views import bp as apps_bp
from app.audit.sequencer import start_in_thread
from app.demo.cli import demo_cli
from app.exports.cli import export_cli
from app.exports.views import bp as exports_bp
from app.network.views import bp as network_bp
from app.notifications.cli import notifications_cli
from app.notifications.views import bp as notifications_bp
from app.partner_api.api import bp as partner_api_bp
from app.privacy.api import bp as privacy_api_bp
from app.privacy.views import bp as privacy_bp
from app.profiles.views import bp as profiles_bp
from app.shell.commands import explaining_database_errors
from app.shell.errors import register_error_handlers
from app.shell.home import bp as home_bp
from app.shell.security import register_security
from app.shell.templating import register_templating

BLUEPRINTS = (
    home_bp,
    accounts_bp,
    profiles_bp,
    network_bp,
    privacy_bp,
    privacy_api_bp,
    access_log_bp,
    log_api_bp,
    notifications_bp,
    exports_bp,
    apps_bp,
    apps_api_bp,
    partner_api_bp,
)
COMMANDS = (demo_cli, audit_cli, notifications_cli, export_cli)
# What other domains do when a member deletes their account, before the
# account's rows are erased (app/accounts/deletion.py may not import them).
ACCOUNT_ERASERS = (delete_apps_of,)


def register_sequencer(app: Flask) -> None:
    """With ``AUDIT_SEQUENCER=thread`` (``make run``), seal the log in a thread of this process.

    It starts with the first request, not with the app: commands such as
    ``flask db upgrade`` build apps too, before the tables exist.
    """
    if app.config.get("AUDIT_SEQUENCER") != "thread":
        return
    started = threading.Lock()

    @app.before_request
    def _start_sequencer() -> None:
        if "audit_sequencer" not in app.extensions and started.acquire(blocking=False):
            start_in_thread(app)


def register_shell(app: Flask) -> None:
    """Attach sign-in, the OAuth server, security headers, error pages, pages and commands."""
    configure_login(app)
    app.extensions["account_erasers"] = ACCOUNT_ERASERS
    authorization_server.init_app(app)
    register_security(app)
    register_error_handlers(app)
    register_templating(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for command in COMMANDS:
        app.cli.add_command(explaining_database_errors(command))
    register_sequencer(app)
