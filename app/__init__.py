"""Fieldgate: the Flask application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from app import models  # noqa: F401  (registers every table on the metadata)
from app.accounts.views import bp as accounts_bp
from app.accounts.views import configure_login
from app.audit.cli import audit_cli
from app.audit.views import bp as audit_bp
from app.config import load_config
from app.database import tune_engine
from app.demo.cli import demo_cli
from app.exports.cli import export_cli
from app.exports.views import bp as exports_bp
from app.extensions import csrf, db, limiter, login_manager, migrate
from app.network.views import bp as network_bp
from app.notifications.cli import notifications_cli
from app.notifications.views import bp as notifications_bp
from app.privacy.api import bp as privacy_api_bp
from app.privacy.views import bp as privacy_bp
from app.profiles.views import bp as profiles_bp
from app.web.errors import register_error_handlers
from app.web.security import register_security
from app.web.templating import register_templating
from app.web.views import bp as web_bp

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
BLUEPRINTS = (
    web_bp,
    accounts_bp,
    profiles_bp,
    network_bp,
    privacy_bp,
    privacy_api_bp,
    audit_bp,
    notifications_bp,
    exports_bp,
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a Fieldgate app.

    Configuration comes from the environment (see ``app.config``), then from
    ``config``, which wins. Nothing touches the database schema here: run
    ``flask db upgrade`` for that.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path, provided=config))
    if config:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        tune_engine(db.engine)

    configure_login(app)
    register_security(app)
    register_error_handlers(app)
    register_templating(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.cli.add_command(demo_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(export_cli)
    return app
