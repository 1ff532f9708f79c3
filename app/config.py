"""Configuration read from the environment when an app is created, never at import.

Every variable is documented in the README ("Configuration").
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class ConfigurationError(RuntimeError):
    """The environment is missing something the chosen mode requires."""


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < 0:
        raise ConfigurationError(f"{name} must not be negative, got {value}")
    return value


def _lifetime(environ: Mapping[str, str], name: str, default: int, most: int | None = None) -> int:
    value = _int(environ, name, default)
    if value < 1 or (most is not None and value > most):
        upper = f" and at most {most}" if most is not None else ""
        raise ConfigurationError(f"{name} must be at least 1{upper}, got {value}")
    return value


def normalise_database_url(url: str) -> str:
    """Point plain ``postgresql://`` URLs at the psycopg 3 driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _database_url(url: str) -> str:
    """``DATABASE_URL``, normalised, once SQLAlchemy can read it (a clear error otherwise)."""
    normalised = normalise_database_url(url)
    try:
        parsed = make_url(normalised)
        parsed.port  # noqa: B018 (a port that is not a number fails only when read)
    except (ArgumentError, ValueError) as exc:
        raise ConfigurationError(
            "DATABASE_URL is not a database URL (e.g. postgresql://user@host:5432/fieldgate"
            f" or sqlite:////path/to/fieldgate.sqlite3): {exc}"
        ) from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"DATABASE_URL names {parsed.get_backend_name()!r}; Fieldgate runs on SQLite or"
            " PostgreSQL"
        )
    return normalised


# Those both the rate limiter and the quota store's client (redis-py) read alike.
REDIS_SCHEMES = ("redis", "rediss")


def _redis_url(url: str | None) -> str | None:
    """``REDIS_URL`` if it names Redis (the rate limiter would fail on the first request)."""
    if url is None:
        return None
    try:
        scheme = urlsplit(url).scheme
    except ValueError as exc:  # "Invalid IPv6 URL": an unpaired bracket (found by review)
        raise ConfigurationError(f"REDIS_URL is not a URL ({exc}); got {url!r}") from None
    if scheme not in REDIS_SCHEMES:
        raise ConfigurationError(
            f"REDIS_URL must start with one of {', '.join(s + '://' for s in REDIS_SCHEMES)};"
            f" got {url!r}"
        )
    return url


def _issuer(environ: Mapping[str, str], production: bool) -> str | None:
    """``OAUTH2_ISSUER`` without its trailing slash; required, and https, in production.

    Unset, the issuer is the base URL each request reached, taken from its
    ``Host`` header: anyone can send another, and a cache in front could keep
    metadata naming a host of their choosing (found by review). Production
    therefore needs it, and answers only requests for its host (see
    :func:`_trusted_hosts`).
    """
    value = (environ.get("OAUTH2_ISSUER") or "").rstrip("/")
    if not value:
        if production:
            raise ConfigurationError(
                "OAUTH2_ISSUER must be set when FIELDGATE_ENV=production"
                " (this server's https base URL, e.g. https://fieldgate.example)"
            )
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:
        raise ConfigurationError(f"OAUTH2_ISSUER is not a URL ({exc}); got {value!r}") from None
    wanted = ("https",) if production else ("https", "http")
    if parts.scheme not in wanted or not host or parts.query or parts.fragment:
        raise ConfigurationError(
            f"OAUTH2_ISSUER must be an {' or '.join(wanted)} URL with a host and no query"
            f" or fragment, e.g. https://fieldgate.example; got {value!r}"
        )
    return value


def _trusted_hosts(environ: Mapping[str, str], issuer: str | None) -> list[str] | None:
    """The hosts production answers for: the issuer's, and ``FIELDGATE_TRUSTED_HOSTS``.

    Flask answers a request for any other ``Host`` with 400 Bad Request, so
    no page, e-mail link or OAuth metadata is ever built on a host an
    attacker chose.
    """
    if issuer is None:
        return None
    extra = [h.strip() for h in environ.get("FIELDGATE_TRUSTED_HOSTS", "").split(",") if h.strip()]
    return [str(urlsplit(issuer).hostname), *extra]


def _persisted_secret(instance_path: Path, name: str) -> str:
    """A random secret kept in ``instance/`` so development restarts keep sessions."""
    path = instance_path / name
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    # Create with owner-only permissions from the start; never world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def _secret(
    environ: Mapping[str, str],
    name: str,
    production: bool,
    instance: Path,
    provided: Mapping[str, Any],
) -> str:
    value = provided.get(name) or environ.get(name, "")
    if value:
        return value
    if production:
        raise ConfigurationError(f"{name} must be set when FIELDGATE_ENV=production")
    return _persisted_secret(instance, name.lower())


def _legacy_key(instance: Path) -> str:
    path = instance / "audit_key"
    return path.read_text().strip() if path.exists() else ""


def _choice(environ: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = environ.get(name) or default
    if value not in allowed:
        raise ConfigurationError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def load_config(
    instance_path: str,
    environ: Mapping[str, str] | None = None,
    provided: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the Flask configuration from ``environ`` (default: ``os.environ``).

    ``provided`` is the configuration the caller passes to ``create_app``; a
    secret it holds is used as is, so tests never write secrets to disk.

    Raises:
        ConfigurationError: production mode without SECRET_KEY,
            AUDIT_SIGNING_KEY or an https OAUTH2_ISSUER, a numeric variable
            that is not a whole number, AUDIT_SEQUENCER that is not thread,
            external or off, or an OAuth lifetime out of its range (a code
            lives at most 600 seconds).
    """
    env = os.environ if environ is None else environ
    given = provided or {}
    instance = Path(instance_path)
    production = env.get("FIELDGATE_ENV", "development") == "production"
    default_db = f"sqlite:///{instance / 'fieldgate.sqlite3'}"
    redis_url = _redis_url(env.get("REDIS_URL") or None)
    secret_key = _secret(env, "SECRET_KEY", production, instance, given)
    absolute_hours = _int(env, "SESSION_ABSOLUTE_HOURS", 12)
    if production and not (given.get("AUDIT_SIGNING_KEY") or env.get("AUDIT_SIGNING_KEY")):
        raise ConfigurationError(
            "AUDIT_SIGNING_KEY must be set when FIELDGATE_ENV=production"
            " (make one with: .venv/bin/python -m app.audit.keygen)"
        )
    issuer = _issuer(env, production)
    return {
        "ENV_NAME": "production" if production else "development",
        "SECRET_KEY": secret_key,
        # Only read by migration 0008, to check a log written before the Merkle tree.
        "AUDIT_KEY": given.get("AUDIT_KEY") or env.get("AUDIT_KEY") or _legacy_key(instance),
        "AUDIT_SIGNING_KEY": given.get("AUDIT_SIGNING_KEY") or env.get("AUDIT_SIGNING_KEY") or None,
        "AUDIT_LOG_ORIGIN": env.get("AUDIT_LOG_ORIGIN") or "fieldgate.localhost/access-log",
        "AUDIT_SEAL_DELAY_SECONDS": _int(env, "AUDIT_SEAL_DELAY_SECONDS", 5),
        "AUDIT_SEQUENCER": _choice(
            env,
            "AUDIT_SEQUENCER",
            ("thread", "external", "off"),
            "external" if production else "thread",
        ),
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL") or default_db),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Redis down: limits fall back to each worker's memory (still limits, only
        # per worker) instead of every request failing, sign-in included.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}
        if redis_url
        else {},
        "RATELIMIT_HEADERS_ENABLED": True,
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # The cookie lives no longer than the session it carries (Flask's default is 31 days).
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=absolute_hours),
        "REMEMBER_COOKIE_SECURE": production,
        "SESSION_IDLE_MINUTES": _int(env, "SESSION_IDLE_MINUTES", 60),
        "SESSION_ABSOLUTE_HOURS": absolute_hours,
        "INVITATIONS_PER_DAY": _int(env, "INVITATIONS_PER_DAY", 50),
        "INVITATION_COOLDOWN_DAYS": 21,
        "EXPORT_CONTACTS_PER_DAY": _int(env, "EXPORT_CONTACTS_PER_DAY", 1000),
        "EXPORT_MARKETING_CONTACTS_PER_DAY": _int(env, "EXPORT_MARKETING_CONTACTS_PER_DAY", 200),
        "EXPORT_APP_CONTACTS_PER_DAY": _int(env, "EXPORT_APP_CONTACTS_PER_DAY", 1000),
        "OAUTH2_ISSUER": issuer,
        "TRUSTED_HOSTS": _trusted_hosts(env, issuer) if production else None,
        "OAUTH2_ACCESS_TOKEN_SECONDS": _lifetime(env, "OAUTH2_ACCESS_TOKEN_SECONDS", 3600),
        "OAUTH2_REFRESH_TOKEN_DAYS": _lifetime(env, "OAUTH2_REFRESH_TOKEN_DAYS", 30),
        "OAUTH2_GRANT_DAYS": _lifetime(env, "OAUTH2_GRANT_DAYS", 365),
        # RFC 6749 4.1.2 and RFC 9700: an authorization code lives at most 10 minutes.
        "OAUTH2_CODE_SECONDS": _lifetime(env, "OAUTH2_CODE_SECONDS", 600, most=600),
        "PROXY_HOPS": _int(env, "FIELDGATE_PROXY_HOPS", 0),
        "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
    }
