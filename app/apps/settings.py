"""The OAuth settings of the running app: lifetimes and the issuer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, request


@dataclass(frozen=True, slots=True)
class Lifetimes:
    """How long codes, access tokens, refresh tokens and grants live."""

    code: timedelta
    access: timedelta
    refresh: timedelta
    grant: timedelta


def lifetimes() -> Lifetimes:
    """The configured lifetimes (README, "Configuration"), read per request."""
    config = current_app.config
    return Lifetimes(
        code=timedelta(seconds=config["OAUTH2_CODE_SECONDS"]),
        access=timedelta(seconds=config["OAUTH2_ACCESS_TOKEN_SECONDS"]),
        refresh=timedelta(days=config["OAUTH2_REFRESH_TOKEN_DAYS"]),
        grant=timedelta(days=config["OAUTH2_GRANT_DAYS"]),
    )


def issuer() -> str:
    """This server's issuer identifier (RFC 8414, RFC 9207).

    ``OAUTH2_ISSUER`` when configured (set it in production: the fallback
    trusts the Host header); otherwise the base URL the request reached,
    which behind a proxy is right only with ``FIELDGATE_PROXY_HOPS`` set.
    """
    configured: str | None = current_app.config.get("OAUTH2_ISSUER")
    return configured or request.url_root.rstrip("/")
