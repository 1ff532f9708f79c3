"""The route walk: a world with sentinel values, and one recipe per route and method.

Every (endpoint, method) pair of the URL map has a recipe here that calls it
the way a page or client would. ``test_route_walk`` checks that nothing
leaves without a logged decision; ``test_hostile_input`` sends each recipe's
parameters hostile values. A route without a recipe fails both.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app.accounts.email_change import request_email_change
from app.apps.credentials import digest
from app.apps.grants import consent
from app.apps.registration import AppDetails, register_app
from app.apps.scopes import scope_string
from app.apps.tokens import store_tokens
from app.clock import utcnow
from app.disclosure.service import Requester, disclose
from app.models.accounts import Member
from app.models.apps import AuthorizationCode
from app.models.audit import AccessEvent, Place
from app.network.services import invite
from app.profiles.services import add_value, values_of
from permissions import Action, Audience, Field, Policy, Purpose, Scope, ValueLabel, policy
from tests.app.apps.helpers import pkce_pair
from tests.app.exports.helpers import finished_run
from tests.factories import TEST_PASSWORD, connect_members, make_member, set_policy

A = Audience
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
NEVER = policy(A.NOBODY, A.NOBODY, A.NOBODY)
TICKET = "walkticket01"


@dataclass
class Sentinels:
    """One member's values, each a unique marker, and which of them may never reach the walker."""

    member: Member
    values: dict[str, str] = field(default_factory=dict)  # value name -> stored text
    never: set[str] = field(default_factory=set)

    def found_in(self, text: str) -> set[str]:
        """The value names whose text appears in ``text``."""
        return {name for name, value in self.values.items() if _appears(value, text)}


def _appears(value: str, text: str) -> bool:
    if value in text:
        return True
    digits = re.sub(r"\D", "", value)
    # A phone number may be shown formatted differently; its digits still give it away.
    return value.startswith("+") and len(digits) >= 8 and digits in re.sub(r"\D", "", text)


WALK_CB = "https://walk.example/cb"


@dataclass
class AppWorld:
    """The walker's own partner app, the walker's grant to it, an unused code and live tokens."""

    app_id: int
    client_id: str
    secret: str
    grant_id: int
    code: str
    verifier: str
    challenge: str
    access_token: str
    refresh_token: str
    run_id: int

    @property
    def bearer(self) -> dict[str, str]:
        """The Authorization header of the walker's live access token."""
        return {"Authorization": f"Bearer {self.access_token}"}

    def client_form(self, **data: str) -> dict[str, str]:
        """A token-endpoint form, the app authenticating in the body (client_secret_post)."""
        return {"client_id": self.client_id, "client_secret": self.secret, **data}

    def authorization(self, scope: str) -> dict[str, str]:
        """The query of an authorization request for ``scope``."""
        return {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": WALK_CB,
            "scope": scope,
            "state": "walk",
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
        }


WALK_SCOPES = frozenset(
    {Scope.BASIC_VIEW, Scope.CONTACT_VIEW, Scope.BASIC_DOWNLOAD, Scope.CONTACT_DOWNLOAD}
)


def build_app_world(session: Session, walker: Member) -> AppWorld:
    """Register an app for the walker, grant it basic:view, and issue a code and tokens."""
    details = AppDetails(
        name="Walk App",
        description="Walks every route.",
        homepage="https://walk.example",
        purpose=Purpose.PERSONAL,
        redirect_uris=[WALK_CB],
        scopes=frozenset(WALK_SCOPES),
        auth_method="client_secret_post",
    )
    app, secret = register_app(session, walker.id, details)
    grant = consent(session, walker.id, app, WALK_SCOPES, timedelta(days=365))
    verifier, challenge = pkce_pair()
    now = utcnow()
    code = AuthorizationCode(
        code_hash=digest("fgac_walkcode"),
        app_id=app.id,
        member_id=walker.id,
        grant_id=grant.id,
        redirect_uri=WALK_CB,
        scope="basic:view",
        code_challenge=challenge,
        code_challenge_method="S256",
        expires_at=now + timedelta(minutes=10),
    )
    session.add(code)
    session.flush()
    store_tokens(
        session,
        {"access_token": "fgat_walkaccess", "refresh_token": "fgrt_walkrefresh"},
        grant=grant,
        family_id=code.id,
        parent_id=None,
        granted_scope=scope_string(WALK_SCOPES),
        access_expires_at=now + timedelta(hours=1),
        refresh_expires_at=now + timedelta(days=30),
    )
    run = finished_run(session, walker, app_id=app.id, format="json", purpose="personal")
    return AppWorld(
        app.id,
        app.client_id,
        secret,
        grant.id,
        "fgac_walkcode",
        verifier,
        challenge,
        "fgat_walkaccess",
        "fgrt_walkrefresh",
        run.id,
    )


@dataclass
class World:
    """The walker (signed in), a connection with sentinels, and a stranger who invited them."""

    walker: Member
    subject: Sentinels
    stranger: Sentinels
    invitee: Member
    invitation_in: int
    invitation_out: int
    run_id: int
    own_value: int
    email_link: str  # the token of a link that moves the walker's sign-in e-mail
    apps: AppWorld

    @property
    def watched(self) -> list[Sentinels]:
        return [self.subject, self.stranger]


def _value(session: Session, member: Member, field_: Field, text: str, pol: Policy, **kw) -> None:
    value = add_value(session, member.id, field_, text, **kw)
    value.policy = pol
    session.flush()


def _stored(session: Session, member: Member) -> dict[str, str]:
    return {
        (f"{v.field}:{v.label}" if v.label else str(v.field)): v.value
        for v in values_of(session, member.id)
    }


def build_world(app: Flask, session: Session, tag: str) -> World:
    """Members and values for one walk; ``tag`` makes every marker unique."""
    walker = make_member(session, "Walker", "Requester")
    subject = make_member(
        session, f"Sentina{tag}fn", f"Hidden{tag}sn", email=f"sub{tag}@example.com"
    )
    set_policy(
        session, subject.id, Field.FIRST_NAME, policy(A.CONNECTIONS, A.CONNECTIONS, A.NOBODY)
    )
    set_policy(session, subject.id, Field.LAST_NAME, NEVER)
    set_policy(session, subject.id, Field.EMAIL, policy(A.CONNECTIONS, A.CONNECTIONS, A.NOBODY))
    _value(
        session,
        subject,
        Field.HEADLINE,
        f"Headline{tag}hl",
        policy(A.PUBLIC, A.CONNECTIONS, A.NOBODY),
    )
    _value(
        session,
        subject,
        Field.COMPANY,
        f"Company{tag}co",
        policy(A.CONNECTIONS, A.NOBODY, A.NOBODY),
    )
    _value(
        session,
        subject,
        Field.ADDRESS,
        f"{tag} Sentinel Street",
        policy(A.MEMBERS, A.NOBODY, A.NOBODY),
    )
    _value(session, subject, Field.BIRTHDAY, "1980-02-29", NEVER)
    _value(session, subject, Field.EMAIL, f"work{tag}@example.com", NEVER, label=ValueLabel.WORK)
    _value(
        session,
        subject,
        Field.PHONE,
        f"+44 20 7946 {int(tag, 16) % 10000:04d}",
        NEVER,
        label=ValueLabel.WORK,
    )
    stranger = make_member(session, f"Strangely{tag}fs", f"Unseen{tag}st")
    for name_field in (Field.FIRST_NAME, Field.LAST_NAME):
        set_policy(session, stranger.id, name_field, policy(A.CONNECTIONS, A.NOBODY, A.NOBODY))
    _value(
        session, stranger, Field.HEADLINE, f"Stranger{tag}hl", policy(A.PUBLIC, A.NOBODY, A.NOBODY)
    )
    invitee = make_member(session, "Ivo", "Invitee")
    connect_members(session, walker, subject)
    incoming = invite(session, stranger.id, walker.id, per_day=10, cooldown_days=21)
    outgoing = invite(session, walker.id, invitee.id, per_day=10, cooldown_days=21)
    run = finished_run(session, walker, ticket=TICKET, format="csv", purpose="recruiting")
    own = add_value(session, walker.id, Field.WEBSITE, "walker.example.com", label=ValueLabel.WORK)
    apps = build_app_world(session, walker)
    session.commit()
    _address, email_link = request_email_change(
        session,
        walker,
        new_email=f"walker.{tag}@example.com",
        password=TEST_PASSWORD,
        secret_key=app.config["SECRET_KEY"],
    )
    # The subject viewed the walker's profile, so the walker's access log names them.
    with app.app_context():
        viewer = Requester(subject.id)
        disclose(session, viewer, [walker.id], action=Action.VIEW, place=Place.PROFILE)
    watched_subject = Sentinels(subject, _stored(session, subject))
    watched_subject.never = {"last_name", "birthday", "email:work", "phone:work"}
    return World(
        walker=walker,
        subject=watched_subject,
        stranger=Sentinels(stranger, _stored(session, stranger)),
        invitee=invitee,
        invitation_in=incoming.id,
        invitation_out=outgoing.id,
        run_id=run.id,
        own_value=own.id,
        email_link=email_link,
        apps=apps,
    )


# --- calls ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilePart:
    """A form field sent as a file part of a multipart body, as no page of ours sends it."""

    content: bytes = b"hello"
    filename: str = "f.txt"


def _form_body(form: dict[str, Any], token: str) -> dict[str, Any]:
    """The form with its CSRF token, each FilePart as a fresh file (a stream is read once)."""
    body = {
        k: (io.BytesIO(v.content), v.filename) if isinstance(v, FilePart) else v
        for k, v in form.items()
    }
    return {**body, "csrf_token": token}


@dataclass
class Call:
    """One request a recipe makes: path arguments, query, form or JSON, as whom."""

    endpoint: str
    method: str
    args: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    json: Any = None
    anonymous: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    def parameters(self) -> list[tuple[str, str]]:
        """(where, name) of every parameter a hostile walk may replace."""
        found = [("args", k) for k in self.args] + [("query", k) for k in self.query]
        found += [("form", k) for k in self.form or {}]
        if isinstance(self.json, dict):
            found += [("json", k) for k in self.json]
        return found

    def replaced(self, where: str, name: str, value: Any) -> Call:
        """A copy with one parameter replaced."""
        parts = {
            "args": dict(self.args),
            "query": dict(self.query),
            "form": None if self.form is None else dict(self.form),
            "json": dict(self.json) if isinstance(self.json, dict) else self.json,
        }
        parts[where][name] = value  # type: ignore[index]
        return Call(
            self.endpoint,
            self.method,
            anonymous=self.anonymous,
            headers=self.headers,
            **parts,  # type: ignore[arg-type]
        )


def fill(rule: str, args: dict[str, str]) -> str:
    """The rule's path with each ``<converter:name>`` replaced by its (quoted) argument."""

    def one(match: re.Match[str]) -> str:
        return quote(str(args[match.group(1)]), safe="")

    return re.sub(r"<(?:[^:<>]+:)?([a-z_]+)>", one, rule)


class Walker:
    """Signed-in and anonymous clients that make calls and read back everything they got."""

    def __init__(self, app: Flask, world: World) -> None:
        self.app, self.world = app, world
        self.rules = {
            (r.endpoint, m): r.rule
            for r in app.url_map.iter_rules()
            for m in r.methods or ()
            if m not in ("HEAD", "OPTIONS")
        }
        self.member = app.test_client()
        self.anonymous = app.test_client()
        self.tokens: dict[int, str] = {}
        self.sign_in()

    def sign_in(self) -> None:
        token = self._token(self.member, fresh=True)
        response = self.member.post(
            "/signin",
            data={"email": self.world.walker.email, "password": TEST_PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302, "the walker could not sign in"
        self._token(self.member, fresh=True)

    def _token(self, client: FlaskClient, fresh: bool = False) -> str:
        if fresh or id(client) not in self.tokens:
            page = client.get("/signin")
            if page.status_code == 302:
                page = client.get("/")
            match = CSRF.search(page.get_data(as_text=True))
            assert match, "no CSRF token on the page"
            self.tokens[id(client)] = match.group(1)
        return self.tokens[id(client)]

    def url(self, call: Call) -> str:
        path = fill(self.rules[(call.endpoint, call.method)], call.args)
        return path + ("?" + urlencode(call.query) if call.query else "")

    def send(self, call: Call) -> TestResponse:
        client = self.anonymous if call.anonymous else self.member
        token = self._token(client)
        kwargs: dict[str, Any] = {}
        if call.form is not None:
            kwargs["data"] = _form_body(call.form, token)
        if call.json is not None:
            kwargs["data"] = (
                call.json if isinstance(call.json, str | bytes) else json.dumps(call.json)
            )
            kwargs["content_type"] = "application/json"
            kwargs["headers"] = {"X-CSRFToken": token}
        if call.headers:
            kwargs["headers"] = {**kwargs.get("headers", {}), **call.headers}
        return client.open(self.url(call), method=call.method, **kwargs)

    def flashes(self, call: Call) -> list[str]:
        """Take the messages flashed to the caller (and not shown yet) out of their session.

        Taken, not just read: the savepoint around each call is rolled back,
        so a message left behind would show on a later page without the
        access event that once covered it.
        """
        client = self.anonymous if call.anonymous else self.member
        with client.session_transaction() as state:
            return [message for _category, message in state.pop("_flashes", [])]


def everything_in(response: TestResponse) -> str:
    """Body (each file of a ZIP opened), every header and the redirect target, as text."""
    data = response.get_data()
    response.close()
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            body = "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    else:
        body = data.decode("utf-8", "replace")
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return body + "\n" + headers


def last_seq(session: Session) -> int:
    """The newest access event's number (0 when the log is empty)."""
    return session.scalar(select(func.coalesce(func.max(AccessEvent.seq), 0))) or 0


def released_since(session: Session, seq: int, subject_id: int) -> set[str]:
    """Every value name released about ``subject_id`` by events after ``seq``."""
    names: set[str] = set()
    for released in session.scalars(
        select(AccessEvent.released).where(
            AccessEvent.seq > seq, AccessEvent.subject_id == subject_id
        )
    ):
        names |= set(json.loads(released))
    return names


# --- recipes -------------------------------------------------------------------------------

Recipe = Callable[[World], list[Call]]


def _matrix(w: World) -> dict[str, str]:
    return {
        f"policy-{w.own_value}-view": "members",
        f"policy-{w.own_value}-download": "connections",
        f"policy-{w.own_value}-sync": "nobody",
    }


def _export_form(contacts: str = "all") -> dict[str, str]:
    return {
        "contacts": contacts,
        "fields": "first_name",
        "format": "csv",
        "purpose": "recruiting",
        "ticket": TICKET,
        "query": "Sentina",
    }


RECIPES: dict[tuple[str, str], Recipe] = {
    ("static", "GET"): lambda w: [Call("static", "GET", {"filename": "css/app.css"})],
    ("web.home", "GET"): lambda w: [
        Call("web.home", "GET"),
        Call("web.home", "GET", anonymous=True),
    ],
    ("accounts.signin", "GET"): lambda w: [Call("accounts.signin", "GET", anonymous=True)],
    ("accounts.signin", "POST"): lambda w: [
        Call(
            "accounts.signin",
            "POST",
            form={"email": w.walker.email, "password": TEST_PASSWORD},
            anonymous=True,
        )
    ],
    ("accounts.signup", "GET"): lambda w: [Call("accounts.signup", "GET", anonymous=True)],
    ("accounts.signup", "POST"): lambda w: [
        Call(
            "accounts.signup",
            "POST",
            form={
                "first_name": "Newly",
                "last_name": "Joined",
                "email": "newly.joined@example.com",
                "password": TEST_PASSWORD,
                "confirm": TEST_PASSWORD,
            },
            anonymous=True,
        )
    ],
    ("accounts.signout", "POST"): lambda w: [Call("accounts.signout", "POST", form={})],
    ("accounts.account", "GET"): lambda w: [Call("accounts.account", "GET")],
    ("accounts.password", "POST"): lambda w: [
        Call(
            "accounts.password",
            "POST",
            form={
                "password-current_password": TEST_PASSWORD,
                "password-new_password": "a brand new passphrase",
                "password-confirm": "a brand new passphrase",
            },
        )
    ],
    ("accounts.email", "POST"): lambda w: [
        Call(
            "accounts.email",
            "POST",
            form={
                "email-new_email": "walker.moved@example.com",
                "email-current_password": TEST_PASSWORD,
            },
        )
    ],
    ("accounts.delete", "GET"): lambda w: [Call("accounts.delete", "GET")],
    ("accounts.delete", "POST"): lambda w: [
        Call(
            "accounts.delete",
            "POST",
            form={"current_password": TEST_PASSWORD, "understood": "y"},
        )
    ],
    ("accounts.confirm_email_page", "GET"): lambda w: [
        Call("accounts.confirm_email_page", "GET", {"token": w.email_link})
    ],
    ("accounts.confirm_email", "POST"): lambda w: [
        Call("accounts.confirm_email", "POST", {"token": w.email_link}, form={})
    ],
    ("profiles.own", "GET"): lambda w: [Call("profiles.own", "GET")],
    ("profiles.edit", "GET"): lambda w: [Call("profiles.edit", "GET")],
    ("profiles.edit", "POST"): lambda w: [
        Call(
            "profiles.edit",
            "POST",
            form={
                "first_name": "Walker",
                "last_name": "Requester",
                "headline": "Walks routes",
                "birthday": "1990-01-01",
                "address": "1 Walk Way",
            },
        )
    ],
    ("profiles.add", "POST"): lambda w: [
        Call(
            "profiles.add",
            "POST",
            form={"field": "phone", "value": "+44 20 7946 0000", "label": "work"},
        )
    ],
    ("profiles.relabel", "POST"): lambda w: [
        Call("profiles.relabel", "POST", {"value_id": str(w.own_value)}, form={"label": "personal"})
    ],
    ("profiles.primary", "POST"): lambda w: [
        Call("profiles.primary", "POST", {"value_id": str(w.own_value)}, form={})
    ],
    ("profiles.remove", "POST"): lambda w: [
        Call("profiles.remove", "POST", {"value_id": str(w.own_value)}, form={})
    ],
    ("network.member", "GET"): lambda w: [
        Call("network.member", "GET", {"handle": w.subject.member.handle}),
        Call("network.member", "GET", {"handle": w.subject.member.handle}, anonymous=True),
        Call("network.member", "GET", {"handle": w.stranger.member.handle}),
        Call("network.member", "GET", {"handle": w.walker.handle}, query={"as": "connection"}),
    ],
    ("network.send_invitation", "POST"): lambda w: [
        Call(
            "network.send_invitation",
            "POST",
            {"handle": w.stranger.member.handle},
            form={"message": "Hello"},
        )
    ],
    ("network.search", "GET"): lambda w: [
        Call("network.search", "GET", query={"q": "Sentina", "page": "1"}),
        Call("network.search", "GET", query={"q": "Strangely", "page": "1"}),
    ],
    ("network.connections", "GET"): lambda w: [
        Call("network.connections", "GET", query={"page": "1"})
    ],
    ("network.remove_connection", "POST"): lambda w: [
        Call("network.remove_connection", "POST", {"handle": w.subject.member.handle}, form={})
    ],
    ("network.invitations", "GET"): lambda w: [Call("network.invitations", "GET")],
    ("network.accept_invitation", "POST"): lambda w: [
        Call(
            "network.accept_invitation",
            "POST",
            {"invitation_id": str(w.invitation_in)},
            form={"back": "/invitations"},
        )
    ],
    ("network.decline_invitation", "POST"): lambda w: [
        Call(
            "network.decline_invitation",
            "POST",
            {"invitation_id": str(w.invitation_in)},
            form={"back": "/invitations"},
        )
    ],
    ("network.withdraw_invitation", "POST"): lambda w: [
        Call(
            "network.withdraw_invitation",
            "POST",
            {"invitation_id": str(w.invitation_out)},
            form={"back": "/invitations"},
        )
    ],
    ("privacy.settings", "GET"): lambda w: [
        Call("privacy.settings", "GET", query={"viewpoint": "download", "purpose": "sales"})
    ],
    ("privacy.history", "GET"): lambda w: [Call("privacy.history", "GET")],
    ("privacy.save_policies", "POST"): lambda w: [
        Call("privacy.save_policies", "POST", form=_matrix(w))
    ],
    ("privacy.confirm_preset", "GET"): lambda w: [
        Call("privacy.confirm_preset", "GET", {"name": "recruiters"})
    ],
    ("privacy.apply_preset", "POST"): lambda w: [
        Call("privacy.apply_preset", "POST", {"name": "recruiters"}, form={})
    ],
    ("privacy.save_purposes", "POST"): lambda w: [
        Call(
            "privacy.save_purposes",
            "POST",
            form={"purpose-personal": "on", "purpose-marketing": "on"},
        )
    ],
    ("privacy.keep_out", "POST"): lambda w: [
        Call(
            "privacy.keep_out",
            "POST",
            {"handle": w.subject.member.handle},
            form={"back": "/privacy"},
        ),
        Call("privacy.keep_out", "POST", {"handle": w.stranger.member.handle}, form={}),
    ],
    ("privacy.allow_again", "POST"): lambda w: [
        Call(
            "privacy.allow_again",
            "POST",
            {"handle": w.stranger.member.handle},
            form={"back": "/privacy"},
        )
    ],
    ("privacy_api.get_policies", "GET"): lambda w: [Call("privacy_api.get_policies", "GET")],
    ("privacy_api.patch_policies", "PATCH"): lambda w: [
        Call(
            "privacy_api.patch_policies",
            "PATCH",
            json={
                "policies": [
                    {
                        "value_id": w.own_value,
                        "view": "members",
                        "download": "nobody",
                        "sync": "nobody",
                    }
                ]
            },
        )
    ],
    ("privacy_api.get_purposes", "GET"): lambda w: [Call("privacy_api.get_purposes", "GET")],
    ("privacy_api.patch_purposes", "PATCH"): lambda w: [
        Call("privacy_api.patch_purposes", "PATCH", json={"sales": False, "marketing": True})
    ],
    ("access_log.log", "GET"): lambda w: [
        Call("access_log.log", "GET"),
        Call(
            "access_log.log",
            "GET",
            query={"start": "2020-01-01", "end": "2999-12-31", "action": "view", "field": "email"},
        ),
        Call("access_log.log", "GET", query={"before": "999999"}),
        Call(
            "access_log.log",
            "GET",
            query={"after": "0"},
        ),
    ],
    ("log_api.checkpoint", "GET"): lambda w: [Call("log_api.checkpoint", "GET", anonymous=True)],
    ("log_api.key", "GET"): lambda w: [Call("log_api.key", "GET", anonymous=True)],
    ("log_api.verify_script", "GET"): lambda w: [
        Call("log_api.verify_script", "GET", anonymous=True)
    ],
    ("log_api.consistency", "GET"): lambda w: [
        Call("log_api.consistency", "GET", query={"first": "0", "second": "0"}, anonymous=True)
    ],
    ("access_log.download", "GET"): lambda w: [
        Call("access_log.download", "GET", {"fmt": "csv"}),
        Call("access_log.download", "GET", {"fmt": "json"}, query={"start": "2020-01-01"}),
    ],
    ("notifications.inbox", "GET"): lambda w: [Call("notifications.inbox", "GET")],
    ("notifications.read_all", "POST"): lambda w: [Call("notifications.read_all", "POST", form={})],
    ("notifications.settings", "POST"): lambda w: [
        Call("notifications.settings", "POST", form={"access_digest": "y"})
    ],
    ("exports.center", "GET"): lambda w: [
        Call("exports.center", "GET"),
        Call("exports.center", "GET", query={"contacts": "people", "history": "1"}),
    ],
    ("exports.manifest_preview", "POST"): lambda w: [
        Call("exports.manifest_preview", "POST", form=_export_form())
    ],
    ("exports.download", "POST"): lambda w: [
        Call("exports.download", "POST", form=_export_form()),
        Call("exports.download", "POST", form=_export_form("search")),
    ],
    ("exports.center_slash", "GET"): lambda w: [
        Call("exports.center_slash", "GET", query={"contacts": "people"})
    ],
    ("exports.history", "GET"): lambda w: [
        Call("exports.history", "GET", query={"history": "1"}),  # opened: a redirect
        Call(  # the export center's refresh: the fragment
            "exports.history", "GET", query={"history": "1"}, headers={"X-Requested-With": "fetch"}
        ),
    ],
    ("exports.manifest_json", "GET"): lambda w: [
        Call("exports.manifest_json", "GET", {"run_id": str(w.run_id)})
    ],
    ("exports.progress", "GET"): lambda w: [Call("exports.progress", "GET", {"ticket": TICKET})],
    ("exports.manifest", "GET"): lambda w: [
        Call("exports.manifest", "GET", {"run_id": str(w.run_id)})
    ],
    ("exports.mine", "GET"): lambda w: [Call("exports.mine", "GET")],
    ("apps.authorize", "GET"): lambda w: [
        Call("apps.authorize", "GET", query=w.apps.authorization("contact:view")),  # the page
        Call("apps.authorize", "GET", query=w.apps.authorization("basic:view")),  # remembered
        Call("apps.authorize", "GET", query=w.apps.authorization("basic:view"), anonymous=True),
    ],
    ("apps.authorize", "POST"): lambda w: [
        Call(
            "apps.authorize",
            "POST",
            query=w.apps.authorization("contact:view"),
            form={"decision": "allow"},
        ),
        Call(
            "apps.authorize",
            "POST",
            query=w.apps.authorization("basic:view"),
            form={"decision": "deny"},
        ),
    ],
    ("apps.connected", "GET"): lambda w: [Call("apps.connected", "GET")],
    ("apps.revoke", "POST"): lambda w: [
        Call("apps.revoke", "POST", {"grant_id": str(w.apps.grant_id)}, form={})
    ],
    ("apps.block", "POST"): lambda w: [
        Call("apps.block", "POST", {"app_id": str(w.apps.app_id)}, form={})
    ],
    ("apps.unblock", "POST"): lambda w: [
        Call("apps.unblock", "POST", {"app_id": str(w.apps.app_id)}, form={})
    ],
    ("apps.portal", "GET"): lambda w: [Call("apps.portal", "GET")],
    ("apps.register", "GET"): lambda w: [Call("apps.register", "GET")],
    ("apps.register", "POST"): lambda w: [
        Call(
            "apps.register",
            "POST",
            form={
                "name": "Another App",
                "description": "Does things.",
                "homepage": "https://another.example",
                "purpose": "sales",
                "redirect_uris": "https://another.example/cb",
                "scopes": "basic:view",
                "auth_method": "client_secret_basic",
            },
        )
    ],
    ("apps.detail", "GET"): lambda w: [Call("apps.detail", "GET", {"app_id": str(w.apps.app_id)})],
    ("apps.rotate_secret", "POST"): lambda w: [
        Call("apps.rotate_secret", "POST", {"app_id": str(w.apps.app_id)}, form={})
    ],
    ("apps.delete", "POST"): lambda w: [
        Call("apps.delete", "POST", {"app_id": str(w.apps.app_id)}, form={})
    ],
    ("apps_api.token", "POST"): lambda w: [
        Call(
            "apps_api.token",
            "POST",
            form=w.apps.client_form(
                grant_type="authorization_code",
                code=w.apps.code,
                redirect_uri=WALK_CB,
                code_verifier=w.apps.verifier,
            ),
            anonymous=True,
        ),
        Call(
            "apps_api.token",
            "POST",
            form=w.apps.client_form(grant_type="refresh_token", refresh_token=w.apps.refresh_token),
            anonymous=True,
        ),
    ],
    ("apps_api.revoke", "POST"): lambda w: [
        Call(
            "apps_api.revoke",
            "POST",
            form=w.apps.client_form(token=w.apps.refresh_token, token_type_hint="refresh_token"),
            anonymous=True,
        )
    ],
    ("apps_api.introspect", "POST"): lambda w: [
        Call(
            "apps_api.introspect",
            "POST",
            form=w.apps.client_form(token=w.apps.access_token, token_type_hint="access_token"),
            anonymous=True,
        )
    ],
    ("apps_api.server_metadata", "GET"): lambda w: [
        Call("apps_api.server_metadata", "GET", anonymous=True)
    ],
    ("apps_api.me", "GET"): lambda w: [
        Call("apps_api.me", "GET", headers={"Authorization": f"Bearer {w.apps.access_token}"}),
        Call("apps_api.me", "GET", anonymous=True),
    ],
    ("partner_api.connections", "GET"): lambda w: [
        Call("partner_api.connections", "GET", headers=w.apps.bearer),
        Call(
            "partner_api.connections",
            "GET",
            query={"limit": "1", "fields": "first_name,last_name,email"},
            headers=w.apps.bearer,
        ),
        Call("partner_api.connections", "GET", anonymous=True),
    ],
    ("partner_api.connection", "GET"): lambda w: [
        Call(
            "partner_api.connection",
            "GET",
            {"handle": w.subject.member.handle},
            query={"fields": "first_name,last_name,birthday"},
            headers=w.apps.bearer,
        ),
        Call(
            "partner_api.connection",
            "GET",
            {"handle": w.stranger.member.handle},
            headers=w.apps.bearer,
        ),
    ],
    ("partner_api.export_contacts", "GET"): lambda w: (
        [
            Call(
                "partner_api.export_contacts",
                "GET",
                query={"format": fmt, "purpose": "personal"},
                headers=w.apps.bearer,
            )
            for fmt in ("csv", "vcard", "json", "ndjson")
        ]
        + [
            Call(
                "partner_api.export_contacts",
                "GET",
                query={"format": "csv", "purpose": "personal", "people": w.stranger.member.handle},
                headers=w.apps.bearer,
            )
        ]
    ),
    ("partner_api.export_manifest", "GET"): lambda w: [
        Call(
            "partner_api.export_manifest",
            "GET",
            {"run_id": str(w.apps.run_id)},
            headers=w.apps.bearer,
        ),
        Call(
            "partner_api.export_manifest", "GET", {"run_id": str(w.run_id)}, headers=w.apps.bearer
        ),
    ],
    ("partner_api.openapi", "GET"): lambda w: [Call("partner_api.openapi", "GET", anonymous=True)],
    ("partner_api.docs", "GET"): lambda w: [Call("partner_api.docs", "GET", anonymous=True)],
}
# Routes that sign the walker out; the walk signs in again after them.
# (A new password ends every session and starts a fresh one, which the rollback then undoes;
# so is a deleted account brought back.)
SIGNS_OUT = {
    ("accounts.signout", "POST"),
    ("accounts.password", "POST"),
    ("accounts.delete", "POST"),
}
