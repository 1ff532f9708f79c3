"""The core invariant on the web paths: no value is shown without an allowing decision and
a logged access event, over random policies and relations of the viewer."""

from __future__ import annotations

import json
import uuid

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.audit import AccessEvent
from app.models.profiles import ProfileValue
from app.network.services import connect
from permissions import Audience, Field, Relation, policy
from permissions.vocabulary import AUDIENCE_RANK, RELATION_RANK
from tests.conftest import Auth
from tests.factories import make_member

TEXT_FIELDS = [Field.HEADLINE, Field.COMPANY, Field.POSITION, Field.LOCATION, Field.INDUSTRY]
RELATIONS = [Relation.CONNECTION, Relation.NETWORK, Relation.MEMBER, Relation.ANONYMOUS]


@st.composite
def monotone_policy(draw: st.DrawFn):
    chosen = draw(st.lists(st.sampled_from(list(Audience)), min_size=3, max_size=3))
    return policy(*sorted(chosen, key=AUDIENCE_RANK.get, reverse=True))


def _viewer_with(session: Session, subject_id: int, relation: Relation):
    if relation is Relation.ANONYMOUS:
        return None
    viewer = make_member(session, "Viewer", "Person")
    if relation is Relation.CONNECTION:
        connect(session, viewer.id, subject_id)
    elif relation is Relation.NETWORK:
        middle = make_member(session, "Middle", "Person")
        connect(session, viewer.id, middle.id)
        connect(session, middle.id, subject_id)
    return viewer


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    policies=st.lists(monotone_policy(), min_size=len(TEXT_FIELDS), max_size=len(TEXT_FIELDS)),
    relation=st.sampled_from(RELATIONS),
)
def test_a_profile_view_shows_exactly_the_allowed_values_and_logs_them(
    app: Flask, client: FlaskClient, auth: Auth, session: Session, policies, relation: Relation
) -> None:
    subject = make_member(session, "Subject", "Person")
    markers = {}
    for field, p in zip(TEXT_FIELDS, policies, strict=True):
        markers[field] = f"{field.value}-{uuid.uuid4().hex[:12]}"
        session.add(
            ProfileValue(
                member_id=subject.id,
                field=field,
                value=markers[field],
                view=p.view,
                download=p.download,
                sync=p.sync,
            )
        )
    viewer = _viewer_with(session, subject.id, relation)
    session.commit()
    if viewer is not None:
        auth.login(viewer.email)

    page = client.get(f"/m/{subject.handle}").get_data(as_text=True)
    if viewer is not None:
        auth.logout()

    allowed = {
        f
        for f, p in zip(TEXT_FIELDS, policies, strict=True)
        if AUDIENCE_RANK[p.view] >= RELATION_RANK[relation]
    }
    for field, marker in markers.items():
        assert (marker in page) == (field in allowed), (field, relation)
    event = session.scalars(
        select(AccessEvent)
        .where(AccessEvent.subject_id == subject.id)
        .order_by(AccessEvent.seq.desc())
    ).first()
    assert event is not None
    assert event.requester_id == (viewer.id if viewer else None)
    logged = {name for name in json.loads(event.released) if name in {f.value for f in TEXT_FIELDS}}
    assert logged == {f.value for f in allowed}
