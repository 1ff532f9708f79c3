"""Disclosure: load subjects' values and contexts, ask the engine, return outcomes.

Every page, export and API that shows or sends another member's values goes
through :func:`disclose`. It loads everything set-wise (relations, values,
consents) and hands the decision to :func:`permissions.decide_many`.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.audit.recorder import AccessContext, record_outcomes
from app.disclosure.authority import check_authority
from app.disclosure.context import blocked_among, consents_of, suppressed_among
from app.disclosure.relations import relations_to
from app.disclosure.values import load_values
from app.gc_tuning import fewer_collections
from app.models.audit import EventAction, Place
from permissions import (
    AccessRequest,
    Action,
    Field,
    Outcome,
    Purpose,
    Relation,
    Scope,
    SubjectContext,
    SubjectRecord,
    ValueRecord,
    decide_many,
)


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks: a member (None when anonymous), possibly through an app with scopes.

    An app acts through a member's grant: ``app_id`` names it, ``scopes`` are
    what the grant allows and ``purpose`` is the purpose the grant was given
    for, which every read through it declares; ``token_id`` is the access
    token it presented, whose grant is checked again before each read's
    values leave (:mod:`app.disclosure.authority`). ``request_id`` ties the
    access events of one request together.
    """

    member_id: int | None
    app_id: int | None = None
    scopes: frozenset[Scope] | None = None
    request_id: str | None = None
    purpose: Purpose | None = None
    token_id: int | None = None  # the access token an app reads through

    def __post_init__(self) -> None:
        if self.app_id is not None and self.scopes is None:
            raise ValueError("an app acts only within the scopes of a grant")
        if self.app_id is not None and self.token_id is None:
            raise ValueError("an app acts only through a token, checked with every read")

    def declared(self, purpose: Purpose | None) -> Purpose | None:
        """The purpose a read declares: the grant's, for an app.

        Raises:
            ValueError: an app's read declares a purpose other than its grant's.
        """
        if self.purpose is None:
            return purpose
        if purpose not in (None, self.purpose):
            raise ValueError(f"this app's grant is for {self.purpose}, not {purpose}")
        return self.purpose

    def member(self) -> int:
        """The requesting member's id, for what only a member may do (export, own data).

        Raises:
            AnonymousRequester: nobody is signed in.
        """
        if self.member_id is None:
            raise AnonymousRequester("Sign in first.")
        return self.member_id


class AnonymousRequester(ValueError):
    """A request that only a signed-in member may make came from nobody."""


def build_records(
    contexts: dict[int, SubjectContext], values: dict[int, list[ValueRecord]]
) -> Iterable[SubjectRecord]:
    """Pair each subject's context with its values, in the order of ``contexts``."""
    for subject_id, context in contexts.items():
        yield SubjectRecord(subject_id, context, values.get(subject_id, ()))


@dataclass(frozen=True, slots=True)
class Circumstances:
    """What the app knows of a request beyond the network and the subjects' own choices.

    ``over_quota``: the requester's export quota refused this request (every
    subject is refused for ``quota``). ``accountable``: subjects who may view
    the requester's name whatever its policy, because the requester downloaded
    or synced their data (see :mod:`app.disclosure.accountability`).
    """

    over_quota: bool = False
    accountable: frozenset[int] = frozenset()


ORDINARY = Circumstances()


def subject_contexts(
    session: Session,
    requester: Requester,
    request: AccessRequest,
    relations: Mapping[int, Relation],
    circumstances: Circumstances = ORDINARY,
) -> dict[int, SubjectContext]:
    """What the rule needs about each subject besides the values, loaded set-wise.

    Suppression lists apply to downloads only: a member who asked never to be
    exported by someone may still be seen by them. App blocks apply to every
    read through that app, whoever's grant it uses.
    """
    consents = consents_of(session, list(relations))
    suppressed = (
        suppressed_among(session, requester.member_id, list(relations))
        if request.action is Action.DOWNLOAD
        else set()
    )
    blocked = blocked_among(session, requester.app_id, list(relations))
    return {
        sid: SubjectContext(
            relation=relation,
            consent=consents[sid],
            app_blocked=sid in blocked,
            suppressed=sid in suppressed,
            over_quota=circumstances.over_quota,
            accountable=sid in circumstances.accountable,
        )
        for sid, relation in relations.items()
    }


def evaluate(
    session: Session,
    requester: Requester,
    request: AccessRequest,
    relations: Mapping[int, Relation],
    fields: Collection[Field] | None = None,
    circumstances: Circumstances = ORDINARY,
) -> dict[int, Outcome]:
    """Run the engine for subjects whose relation to the requester is already known.

    :func:`decide_for` computes the relations from the network; the privacy
    preview passes the viewpoint's relation instead. Both then take this path.
    """
    contexts = subject_contexts(session, requester, request, relations, circumstances)
    values = load_values(session, list(relations), fields)
    return {o.subject_id: o for o in decide_many(request, build_records(contexts, values))}


def decide_for(
    session: Session,
    requester: Requester,
    subject_ids: Sequence[int],
    *,
    action: Action,
    purpose: Purpose | None = None,
    fields: Collection[Field] | None = None,
    circumstances: Circumstances = ORDINARY,
) -> dict[int, Outcome]:
    """Decide, for each subject, which of their values the requester may get.

    Nothing is released by this call alone: use it to filter (search) or to
    preview; use :func:`disclose` for anything that is shown or sent.
    Returns one :class:`permissions.Outcome` per subject, keyed by subject id,
    in the order of ``subject_ids``.

    Raises:
        ValueError: an app's read declares a purpose other than its grant's.
    """
    relations = relations_to(session, requester.member_id, subject_ids)
    request = AccessRequest(
        action=action, purpose=requester.declared(purpose), scopes=requester.scopes
    )
    return evaluate(session, requester, request, relations, fields, circumstances)


def disclose(
    session: Session,
    requester: Requester,
    subject_ids: Sequence[int],
    *,
    action: Action,
    place: Place,
    purpose: Purpose | None = None,
    fields: Collection[Field] | None = None,
    circumstances: Circumstances = ORDINARY,
) -> dict[int, Outcome]:
    """Decide which values the requester gets, and log the access before anything leaves.

    One access event is written and committed per subject, released or
    refused, before this returns (the requester's own data too, when they
    ask for it, as the self export does).

    Raises:
        AccessLogUnavailable: the events could not be written; show nothing.
        AuthorityEnded: the app's token or grant was revoked meanwhile; show nothing.
        ValueError: an app's read declares a purpose other than its grant's.
    """
    outcomes = decide_for(
        session,
        requester,
        subject_ids,
        action=action,
        purpose=purpose,
        fields=fields,
        circumstances=circumstances,
    )
    _log(session, requester, outcomes, action=action, place=place, purpose=purpose)
    return outcomes


def _log(
    session: Session,
    requester: Requester,
    outcomes: dict[int, Outcome],
    *,
    action: Action,
    place: Place,
    purpose: Purpose | None,
) -> None:
    if requester.token_id is not None:
        # In the transaction that commits the events, just before the values leave.
        check_authority(
            session, requester.token_id, member_id=requester.member_id, app_id=requester.app_id
        )
    context = AccessContext(
        requester_id=requester.member_id,
        action=EventAction.of(action, through_app=requester.app_id is not None),
        place=place,
        app_id=requester.app_id,
        purpose=requester.declared(purpose),
        request_id=requester.request_id,
    )
    record_outcomes(session, context, outcomes.values())


# A decision made ahead is used only if it is at most this old when its chunk's
# turn comes; an older one (a slow reader downstream) is made again.
READ_AHEAD_MAX_AGE = 2.0


def _read_ahead_engine(session: Session) -> Engine | None:
    """The engine a second connection can come from: PostgreSQL sessions bound to an engine.

    Not SQLite: there a transaction begins IMMEDIATE (app/database.py), so
    a second connection reading while the caller holds its transaction waits
    until "database is locked". Tried with the reader's transactions
    DEFERRED: no faster, as turning SQLite's rows into Python objects holds
    the interpreter lock the caller needs. Not a session bound to one
    connection either (tests run so): its uncommitted work is invisible to
    any other connection.
    """
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        return bind
    return None


class DisclosedChunks(Iterator[tuple[Sequence[int], dict[int, Outcome]]]):
    """:func:`disclose` for a sequence of chunks, the next one read ahead.

    Iterating yields ``(chunk, outcomes)`` in order, each chunk's events
    committed before it is yielded, exactly as :func:`disclose` would give
    them. On PostgreSQL the reads and decisions of the next chunk run on a
    connection of their own in a worker thread while the caller works on the
    current one (an export formats and sends it), so the database's time
    overlaps the caller's instead of adding to it. Nothing leaves before its
    events are committed on the caller's session; a decision made ahead is
    made again if it is older than ``READ_AHEAD_MAX_AGE`` when it is used.
    The read-ahead starts when this object is made.
    """

    def __init__(
        self,
        session: Session,
        requester: Requester,
        chunks: Iterable[Sequence[int]],
        *,
        action: Action,
        place: Place,
        purpose: Purpose | None = None,
        fields: Collection[Field] | None = None,
    ) -> None:
        self.session, self.requester = session, requester
        self.action, self.place, self.purpose, self.fields = action, place, purpose, fields
        self.chunks = iter(chunks)
        engine = _read_ahead_engine(session)
        self.pool = None if engine is None else ThreadPoolExecutor(1, "read-ahead")
        self.engine = engine
        self.pending = self._ahead(next(self.chunks, None))

    def _decide(self, session: Session, chunk: Sequence[int]) -> dict[int, Outcome]:
        return decide_for(
            session,
            self.requester,
            chunk,
            action=self.action,
            purpose=self.purpose,
            fields=self.fields,
        )

    def _decide_apart(self, chunk: Sequence[int]) -> tuple[float, dict[int, Outcome]]:
        # The worker allocates as much as the caller; see app/gc_tuning.py.
        with fewer_collections(), Session(self.engine) as own:
            started = time.monotonic()
            return started, self._decide(own, chunk)

    def _ahead(
        self, chunk: Sequence[int] | None
    ) -> tuple[Sequence[int], Future[tuple[float, dict[int, Outcome]]] | None] | None:
        if chunk is None:
            return None
        if self.pool is None:
            return chunk, None
        return chunk, self.pool.submit(self._decide_apart, chunk)

    def __next__(self) -> tuple[Sequence[int], dict[int, Outcome]]:
        if self.pending is None:
            self.close()
            raise StopIteration
        chunk, future = self.pending
        try:
            outcomes = None
            if future is not None:
                started, outcomes = future.result()
                if time.monotonic() - started > READ_AHEAD_MAX_AGE:
                    outcomes = None
            self.pending = self._ahead(next(self.chunks, None))
            if outcomes is None:
                outcomes = self._decide(self.session, chunk)
            _log(
                self.session,
                self.requester,
                outcomes,
                action=self.action,
                place=self.place,
                purpose=self.purpose,
            )
        except BaseException:
            self.close()
            raise
        return chunk, outcomes

    def close(self) -> None:
        """Stop reading ahead (waits for a read under way); nothing more is decided."""
        self.pending = None
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
