"""What the consent page shows: the app, its developer, the purpose, and each scope in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.apps.scopes import PURPOSE_MEANING, describe_all, parse_scopes
from app.clock import utcnow
from app.disclosure.cards import MemberCard, member_cards
from app.disclosure.service import Requester
from app.models.apps import OAuthClient, OAuthGrant
from app.models.audit import Place
from app.privacy.services import purposes_of
from permissions import Purpose, Scope


@dataclass(frozen=True, slots=True)
class ConsentPage:
    """Everything the member is asked about, in plain words."""

    app: OAuthClient
    developer: MemberCard | None
    purpose: Purpose
    purpose_meaning: str
    asked: list[tuple[Scope, str]]  # newly asked, with what each lets the app do
    already: list[tuple[Scope, str]]  # allowed before, still allowed
    redirect_uri: str
    expires_at: datetime
    own_purpose_refused: bool = False  # the member objects to the app's purpose (or no opt-in)

    @property
    def return_origin(self) -> str:
        """Where Allow and Deny send the member ("https://app.example")."""
        return origin(self.redirect_uri)


def origin(uri: str) -> str:
    """The scheme and host (and port) of ``uri``, as a CSP source."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def consent_page(
    session: Session,
    requester: Requester,
    app: OAuthClient,
    scopes: frozenset[Scope],
    remembered: OAuthGrant | None,
    redirect_uri: str,
    grant_lifetime: timedelta,
) -> ConsentPage:
    """The page for ``app`` asking ``scopes`` of the member, beside what they allowed before.

    The developer's name is a view of another member's data, so it goes
    through :func:`member_cards` and is logged.

    Raises:
        AccessLogUnavailable: the view of the developer's name could not be logged.
    """
    before = parse_scopes(remembered.scope) if remembered is not None else frozenset()
    cards = member_cards(session, requester, [app.developer_id], Place.APPS)
    return ConsentPage(
        app=app,
        developer=cards.get(app.developer_id),
        purpose=app.purpose,
        purpose_meaning=PURPOSE_MEANING[app.purpose],
        asked=describe_all(scopes - before),
        already=describe_all(scopes & before),
        redirect_uri=redirect_uri,
        expires_at=utcnow() + grant_lifetime,
        own_purpose_refused=not purposes_of(session, requester.member())[app.purpose],
    )
