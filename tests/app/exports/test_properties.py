"""The core invariant for exports, over random members, values, policies, consents and purposes.

For every exporter: the file holds exactly the values the rule allows (each
parsed back with an independent parser), no withheld value appears in it in
any form, and every contact decided was logged with an access event.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import vobject
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.models.audit import AccessEvent
from app.models.profiles import ProfileValue
from app.network.services import connect
from app.privacy.services import set_purposes
from app.privacy.suppression import suppress
from exporters import names, neutralise
from permissions import Field, Policy, Purpose, Relation, ValueLabel
from tests.app.exports.helpers import run_export
from tests.factories import make_member
from tests.properties import ADMITS, NARROW_TO_WIDE, no_leak

HOSTILE = [
    "=1+1",
    "+SUM(A1)",
    "-2",
    "@cmd",
    "\tx",
    'say "hi"',
    "a,b",
    "a;b",
    "back\\slash",
    "Zoë Łukasz",
    "東京",
    "🙂 ok",
    '=HYPERLINK("http://x")',
]
LINE_BREAKS = ["line\r\nbreak", "cr\ronly", "lf\nonly"]


def _text(multi: bool) -> st.SearchStrategy[str]:
    pool = HOSTILE if multi else HOSTILE + LINE_BREAKS
    # A unique marker makes "this value is absent" checkable by a plain byte search.
    return st.sampled_from(pool).map(lambda s: f"{s} {uuid.uuid4().hex[:10]}")


@st.composite
def monotone_policy(draw: st.DrawFn) -> Policy:
    view = draw(st.integers(0, 4))
    download = draw(st.integers(0, view))
    sync = draw(st.integers(0, download))
    return Policy(NARROW_TO_WIDE[view], NARROW_TO_WIDE[download], NARROW_TO_WIDE[sync])


@st.composite
def contact(draw: st.DrawFn) -> dict[str, Any]:
    values = []
    for field in draw(st.lists(st.sampled_from(list(Field)), min_size=1, max_size=6, unique=True)):
        count = draw(st.integers(1, 2)) if field.multi_valued else 1
        for _ in range(count):
            label = draw(st.sampled_from(field.labels)) if field.multi_valued else None
            values.append((field, label, draw(_text(field.multi_valued)), draw(monotone_policy())))
    return {
        "values": values,
        "objects": draw(
            st.sets(st.sampled_from([Purpose.PERSONAL, Purpose.RECRUITING, Purpose.SALES]))
        ),
        "marketing": draw(st.booleans()),
        "suppressed": draw(st.booleans()),
    }


def _permits(c: dict[str, Any], purpose: Purpose) -> bool:
    if c["suppressed"] or purpose in c["objects"]:
        return False
    return purpose is not Purpose.MARKETING or c["marketing"]


def _seed(session: Session, contacts: list[dict[str, Any]]):
    rita = make_member(session, "Rita", f"R{uuid.uuid4().hex[:6]}")
    made = []
    for c in contacts:
        member = make_member(session, "Seed", "Contact")
        session.query(ProfileValue).filter_by(member_id=member.id).delete()
        for position, (field, label, text, p) in enumerate(c["values"]):
            session.add(
                ProfileValue(
                    member_id=member.id,
                    field=field,
                    label=label,
                    value=text,
                    position=position,
                    view=p.view,
                    download=p.download,
                    sync=p.sync,
                    is_primary=False,
                )
            )
        allowed = {p: p not in c["objects"] for p in c["objects"]}
        allowed[Purpose.MARKETING] = c["marketing"]
        set_purposes(session, member.id, allowed)
        connect(session, rita.id, member.id)
        if c["suppressed"]:
            suppress(session, member.id, rita.id)
        made.append(member)
    session.flush()
    return rita, made


def _expected(
    c: dict[str, Any], purpose: Purpose
) -> list[tuple[Field, ValueLabel | None, str]] | None:
    if not _permits(c, purpose):
        return None
    return [
        (f, label, text)
        for f, label, text, p in c["values"]
        if Relation.CONNECTION in ADMITS[p.download]
    ]


def _parsed(fmt: str, data: bytes) -> dict[str, Any]:
    text = data.decode("utf-8-sig")
    if fmt == "csv":
        return {row.pop("Contact id"): row for row in csv.DictReader(io.StringIO(text, newline=""))}
    if fmt == "json":
        return {c["id"]: c["fields"] for c in json.loads(text)["contacts"]}
    if fmt == "ndjson":
        lines = [json.loads(line) for line in text.splitlines() if line]
        return {c["id"]: c["fields"] for c in lines if c.get("type") == "contact"}
    cards = {}
    for card in vobject.readComponents(text):
        parsed = []
        for prop in card.getChildren():
            parsed.append(
                str(prop.value)
                if not isinstance(prop.value, list)
                else " ".join(map(str, prop.value))
            )
        uid = next(
            str(p.value) for p in card.getChildren() if p.name.upper() in ("UID", "X-FIELDGATE-ID")
        )
        cards[uid] = " \u241e ".join(parsed)
    return cards


def _check_contact(
    fmt: str, parsed: Any, expected: list[tuple[Field, ValueLabel | None, str]]
) -> None:
    if fmt == "csv":
        for field in Field:
            for label in ValueLabel if field.multi_valued else [None]:
                column = f"{field.caption} ({label})" if label else field.caption
                if column not in parsed:
                    continue
                want = "\n".join(t for f, lab, t in expected if f is field and lab == label)
                assert parsed[column] == (neutralise(want) if want else ""), column
    elif fmt in ("json", "ndjson"):
        want: dict[str, Any] = {}
        for f, label, text in expected:
            if f.multi_valued:
                want.setdefault(f.value, []).append({"label": label.value, "value": text})
            else:
                want[f.value] = text
        assert parsed == want
    else:
        for _f, _label, text in expected:
            assert text.replace("\r\n", "\n").replace("\r", "\n") in parsed.replace("\r\n", "\n")


@no_leak
@given(contacts=st.lists(contact(), min_size=1, max_size=4), purpose=st.sampled_from(list(Purpose)))
def test_every_format_holds_exactly_the_allowed_values(
    app: Flask, session: Session, contacts: list[dict[str, Any]], purpose: Purpose
) -> None:
    rita, members = _seed(session, contacts)
    for fmt in names():
        _check_export(app, session, rita, members, contacts, purpose, fmt)


def _check_export(
    app: Flask,
    session: Session,
    rita: Any,
    members: list[Any],
    contacts: list[dict[str, Any]],
    purpose: Purpose,
    fmt: str,
) -> None:
    before = {m.id: _logged(session, m.id, rita.id) for m in members}
    data, _run = run_export(app, session, rita, fmt=fmt, purpose=purpose)

    parsed = _parsed(fmt, data)
    for member, c in zip(members, contacts, strict=True):
        expected = _expected(c, purpose)
        for _f, _label, text, _p in c["values"]:
            marker = text.rsplit(" ", 1)[1]
            allowed = expected is not None and any(t == text for _, _, t in expected)
            assert (marker.encode() in data) == allowed, (text, allowed)
        if not expected:  # refused whole, or nothing they allow in downloads: not in the file
            assert member.handle not in data.decode("utf-8-sig")
        else:
            key = member.handle if fmt != "vcard" else next(k for k in parsed if member.handle in k)
            _check_contact(fmt, parsed[key], expected)
        assert _logged(session, member.id, rita.id) == before[member.id] + 1


def _logged(session: Session, subject_id: int, requester_id: int) -> int:
    return (
        session.query(AccessEvent).filter_by(subject_id=subject_id, requester_id=requester_id)
    ).count()
