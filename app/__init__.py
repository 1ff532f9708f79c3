"""Fieldgate: the Flask application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import models  # noqa: F401  (registers every table on the metadata)
from app.audit.signing import SigningKeyError, signer_key
from app.config import ConfigurationError, load_config
from app.database import tune_engine
from app.extensions import csrf, db, limiter, login_manager, migrate
from app.shell import register_shell
from app.shell.security import retry_after_for_refusals
from app.web.inputs import IdConverter

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _check_signing_key(app: Flask) -> None:
    """Refuse to start with a signing key that cannot sign (it would fail at every round).

    Raises:
        ConfigurationError: AUDIT_SIGNING_KEY is malformed or named for another origin.
    """
    try:
        signer_key(app)
    except SigningKeyError as exc:
        raise ConfigurationError(str(exc)) from exc


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a Fieldgate app.

    Configuration comes from the environment (see ``app.config``), then from
    ``config``, which wins. Nothing touches the database schema here: run
    ``flask db upgrade`` for that.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["id"] = IdConverter
    app.config.from_mapping(load_config(app.instance_path, provided=config))
    if config:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["ENV_NAME"] == "production":
        _check_signing_key(app)
    if app.config["ENV_NAME"] == "development" and not app.logger.level:
        # Flask logs only warnings unless debugging; in development the server
        # log also carries what would be e-mailed (the e-mail change link).
        app.logger.setLevel(logging.INFO)
    if app.config["PROXY_HOPS"]:
        # Behind TLS-terminating proxies the request's scheme and host (and so
        # the OAuth issuer and Authlib's https check) come from X-Forwarded-*;
        # trusted only when configured, or any client could forge them.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    # after_request hooks run last-registered first: this one sees the limiter's headers.
    app.after_request(retry_after_for_refusals)
    limiter.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        tune_engine(db.engine)
    register_shell(app)
    return app
