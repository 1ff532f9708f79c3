"""The developer portal's services: register an app, rotate its secret, delete it.

Redirect URIs are registered in full and matched byte for byte at request
time (RFC 9700 2.1): https, or http on a loopback IP literal only (RFC 8252
7.3 and 8.3 refuse ``localhost``); no wildcard, fragment or user info.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.apps import grants, history
from app.apps.credentials import Credential, digest, new_credential
from app.apps.scopes import scope_string
from app.clock import utcnow
from app.models.accounts import Member
from app.models.apps import OAuthClient, OAuthEventKind, OAuthGrant
from permissions import Purpose, Scope

MAX_REDIRECT_URIS = 10
MAX_URI_LENGTH = 300
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
UNKNOWN_APP = "an app since deleted"  # an id without a row (rows outlive apps; not a key)


class AppError(ValueError):
    """A registration that cannot be made; the message says why."""


class AppNotFound(LookupError):
    """No app of this developer has that id."""


@dataclass(frozen=True, slots=True)
class AppDetails:
    """What a developer tells about an app when registering it."""

    name: str
    description: str
    homepage: str
    purpose: Purpose
    redirect_uris: Sequence[str]
    scopes: Collection[Scope]
    auth_method: str = "client_secret_basic"


@dataclass(frozen=True, slots=True)
class DeveloperApp:
    """One of a developer's apps with how many members granted it access now."""

    app: OAuthClient
    grants: int


# Bidirectional overrides could make the consent page show a name other than
# the one stored (the profile's own rule, app/profiles/services.py).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_text(text: str, what: str, *, multiline: bool = False) -> str:
    """``text`` stripped, refused if it holds control or bidirectional-override characters.

    Raises:
        AppError: such a character is present.
    """
    allowed = "\n\r\t" if multiline else ""
    for char in text:
        if char in _BIDI_CONTROLS or (unicodedata.category(char) == "Cc" and char not in allowed):
            raise AppError(f"The {what} contains a control character; remove it.")
    return text.strip()


# A DNS name in ASCII (an IDN in its xn-- form): labels of letters, digits and
# inner hyphens. urlsplit takes any text between "//" and the path as a host.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DNS_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def _valid_host(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return len(host) <= 253 and _DNS_NAME.fullmatch(host) is not None
    # No IPv6 zone id ("[fe80::1%eth0]"): browsers refuse it in a URL, and its
    # free text would reach the consent page's CSP header (found by review).
    return not isinstance(address, ipaddress.IPv6Address) or address.scope_id is None


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, what: str) -> str:
    """An absolute https URL (or http on a loopback IP literal), unchanged.

    Raises:
        AppError: anything else, with what is wrong.
    """
    if len(url) > MAX_URI_LENGTH:
        raise AppError(f"The {what} is longer than {MAX_URI_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError as exc:
        raise AppError(f"The {what} {url!r} is not a valid URL.") from exc
    if not parts.hostname or parts.fragment or "@" in parts.netloc or "*" in url:
        raise AppError(
            f"The {what} {url!r} must be a full URL without a fragment, user name or wildcard."
        )
    if not url.isascii() or not url.isprintable() or any(c.isspace() for c in url):
        raise AppError(f"The {what} {url!r} must be plain ASCII without spaces.")
    if not _valid_host(parts.hostname):
        raise AppError(f"The {what} {url!r} does not name a valid host.")
    if parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname)):
        return url
    raise AppError(
        f"The {what} {url!r} must use https (http only on 127.0.0.1 or [::1] for testing)."
    )


def _checked(details: AppDetails) -> AppDetails:
    name = check_text(details.name, "name")
    if not name:
        raise AppError("Give the app a name.")
    uris = list(dict.fromkeys(u.strip() for u in details.redirect_uris if u.strip()))
    if not uris:
        raise AppError("Register at least one redirect URI.")
    if len(uris) > MAX_REDIRECT_URIS:
        raise AppError(f"Register at most {MAX_REDIRECT_URIS} redirect URIs.")
    if not details.scopes:
        raise AppError("Choose at least one scope the app may ask for.")
    if details.auth_method not in TOKEN_AUTH_METHODS:
        raise AppError("Choose how the app authenticates at the token endpoint.")
    return AppDetails(
        name=name,
        description=check_text(details.description, "description", multiline=True),
        homepage=check_url(details.homepage.strip(), "homepage"),
        purpose=details.purpose,
        redirect_uris=[check_url(u, "redirect URI") for u in uris],
        scopes=details.scopes,
        auth_method=details.auth_method,
    )


def register_app(
    session: Session, developer_id: int, details: AppDetails
) -> tuple[OAuthClient, str]:
    """Register an app; returns it and its client secret, which is never stored or shown again.

    Raises:
        AppError: a detail is missing or not acceptable.
    """
    checked = _checked(details)
    secret = new_credential(Credential.CLIENT_SECRET)
    app = OAuthClient(
        client_id=new_credential(Credential.CLIENT_ID),
        secret_hash=digest(secret),
        developer_id=developer_id,
        name=checked.name,
        description=checked.description,
        homepage=checked.homepage,
        purpose=checked.purpose,
        redirect_uris=json.dumps(list(checked.redirect_uris)),
        allowed_scope=scope_string(checked.scopes),
        token_endpoint_auth_method=checked.auth_method,
        created_at=utcnow(),
    )
    session.add(app)
    session.flush()
    history.record(session, developer_id, app, OAuthEventKind.REGISTERED, checked.scopes)
    return app, secret


def redirect_uris_of(app: OAuthClient) -> list[str]:
    """The app's registered redirect URIs, exactly as registered."""
    uris: list[str] = json.loads(app.redirect_uris)
    return uris


def developer_app(session: Session, developer_id: int, app_id: int) -> OAuthClient:
    """One of the developer's (not deleted) apps.

    Raises:
        AppNotFound: no such app of this developer.
    """
    app = session.get(OAuthClient, app_id)
    if app is None or app.developer_id != developer_id or app.deleted_at is not None:
        raise AppNotFound("You have no app with that id.")
    return app


def _live() -> list[ColumnElement[bool]]:
    return [OAuthGrant.revoked_at.is_(None), OAuthGrant.expires_at > utcnow()]


def live_grants(session: Session, app_id: int) -> int:
    """How many members have a live grant to the app."""
    count = session.scalar(
        select(func.count()).select_from(OAuthGrant).where(OAuthGrant.app_id == app_id, *_live())
    )
    return count or 0


def developer_apps(
    session: Session, developer_id: int, *, deleted_too: bool = False
) -> list[DeveloperApp]:
    """The developer's apps (and their deleted ones if asked), newest first, with live grants."""
    live = (
        select(OAuthGrant.app_id, func.count().label("n"))
        .where(*_live())
        .group_by(OAuthGrant.app_id)
        .subquery()
    )
    query = (
        select(OAuthClient, func.coalesce(live.c.n, 0))
        .outerjoin(live, live.c.app_id == OAuthClient.id)
        .where(OAuthClient.developer_id == developer_id)
        .order_by(OAuthClient.created_at.desc(), OAuthClient.id.desc())
    )
    if not deleted_too:
        query = query.where(OAuthClient.deleted_at.is_(None))
    return [DeveloperApp(app, int(count)) for app, count in session.execute(query).all()]


def app_names(session: Session, app_ids: Collection[int]) -> dict[int, str]:
    """The name of each app by id, deleted apps included (histories name every app)."""
    found = select(OAuthClient.id, OAuthClient.name).where(OAuthClient.id.in_(app_ids))
    named: dict[int, str] = dict(session.execute(found).all())
    return {app_id: named.get(app_id, UNKNOWN_APP) for app_id in app_ids}


def secret_version(app: OAuthClient, key: bytes) -> str:
    """Names the app's current secret, for a form to say which one it replaces.

    A keyed digest of the stored digest: it tells nothing about the secret,
    and two secrets made in the same instant still differ (times would not).
    """
    return hmac.new(key, app.secret_hash.encode(), "sha256").hexdigest()[:32]


def rotate_secret(session: Session, app: OAuthClient) -> str:
    """Replace the app's client secret; the old one stops working at once. Returns the new one."""
    secret = new_credential(Credential.CLIENT_SECRET)
    app.secret_hash = digest(secret)
    app.secret_rotated_at = utcnow()
    history.record(session, app.developer_id, app, OAuthEventKind.SECRET_ROTATED)
    return secret


def delete_apps_of(session: Session, developer: Member) -> None:
    """Delete every app ``developer`` registered (their account is being deleted)."""
    for app in session.scalars(
        select(OAuthClient).where(
            OAuthClient.developer_id == developer.id, OAuthClient.deleted_at.is_(None)
        )
    ):
        delete_app(session, app)


def delete_app(session: Session, app: OAuthClient) -> int:
    """Delete the app: revoke every grant (tokens die at once); returns how many were live.

    The row stays so that members' histories still name it; what the developer
    wrote about the app (description, homepage, redirect URIs) and its secret go.
    Its purpose and scopes are choices from fixed lists and stay with the name.
    """
    revoked = grants.revoke_all_of_app(session, app)
    app.deleted_at = utcnow()
    app.secret_hash = ""
    app.description = ""
    app.homepage = ""
    app.redirect_uris = "[]"
    history.record(session, app.developer_id, app, OAuthEventKind.APP_DELETED)
    return revoked
