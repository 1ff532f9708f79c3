"""The core invariant on the profile page: no value is shown without an allowing decision
and a logged access event, over random policies and relations of the viewer.

Expected answers come from ``tests/properties.ADMITS`` (who each audience
admits, written out), never from the engine's own rank tables.
"""

from __future__ import annotations

import json
import uuid

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.audit import AccessEvent
from app.models.profiles import ProfileValue
from app.network.services import connect
from permissions import Field, Policy, Relation
from tests.conftest import sign_in_as
from tests.factories import make_member
from tests.properties import ADMITS, NARROW_TO_WIDE, no_leak

FIELDS = [
    Field.FIRST_NAME,
    Field.LAST_NAME,
    Field.HEADLINE,
    Field.COMPANY,
    Field.POSITION,
    Field.LOCATION,
    Field.INDUSTRY,
]
RELATIONS = [Relation.CONNECTION, Relation.NETWORK, Relation.MEMBER, Relation.ANONYMOUS]


@st.composite
def monotone_policy(draw: st.DrawFn) -> Policy:
    view = draw(st.integers(0, 4))
    download = draw(st.integers(0, view))
    sync = draw(st.integers(0, download))
    return Policy(NARROW_TO_WIDE[view], NARROW_TO_WIDE[download], NARROW_TO_WIDE[sync])


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


@no_leak
@given(
    policies=st.lists(monotone_policy(), min_size=len(FIELDS), max_size=len(FIELDS)),
    relation=st.sampled_from(RELATIONS),
)
def test_a_profile_view_shows_exactly_the_allowed_values_and_logs_them(
    app: Flask, client: FlaskClient, session: Session, policies, relation: Relation
) -> None:
    subject = make_member(session, "Subject", "Person")
    session.query(ProfileValue).filter(
        ProfileValue.member_id == subject.id, ProfileValue.field.in_(FIELDS)
    ).delete()
    markers = {}
    for field, p in zip(FIELDS, policies, strict=True):
        markers[field] = f"m{uuid.uuid4().hex[:12]}"
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
    with client.session_transaction() as state:
        state.clear()
    if viewer is not None:
        sign_in_as(client, viewer)

    page = client.get(f"/m/{subject.handle}").get_data(as_text=True)

    allowed = {f for f, p in zip(FIELDS, policies, strict=True) if relation in ADMITS[p.view]}
    for field, marker in markers.items():
        assert (marker in page) == (field in allowed), (field, relation)
    event = session.scalars(
        select(AccessEvent)
        .where(AccessEvent.subject_id == subject.id)
        .order_by(AccessEvent.seq.desc())
    ).first()
    assert event is not None
    assert event.requester_id == (viewer.id if viewer else None)
    logged = {name for name in json.loads(event.released) if name in {f.value for f in FIELDS}}
    assert logged == {f.value for f in allowed}
