"""Random contacts for the no-leak properties: values, policies, consents, suppression.

Shared by the export center's property and the partner API's: each contact is
drawn with hostile text marked uniquely, so "this value is absent" is a plain
byte search, and the file formats are parsed back with independent parsers.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import vobject
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.models.profiles import ProfileValue
from app.network.services import connect
from app.privacy.services import set_purposes
from app.privacy.suppression import suppress
from exporters import neutralise
from permissions import Action, Field, Policy, Purpose, Relation, Scope, ValueLabel
from tests.factories import make_member
from tests.properties import ADMITS, NARROW_TO_WIDE

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


def permits(c: dict[str, Any], purpose: Purpose) -> bool:
    if c["suppressed"] or purpose in c["objects"]:
        return False
    return purpose is not Purpose.MARKETING or c["marketing"]


def seed(session: Session, contacts: list[dict[str, Any]]):
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


def expected_values(
    c: dict[str, Any],
    purpose: Purpose,
    action: Action = Action.DOWNLOAD,
    scopes: frozenset[Scope] | None = None,
    *,
    blocked: bool = False,
) -> list[tuple[Field, ValueLabel | None, str]] | None:
    """What a connection receives of ``c``, or None when the whole contact is refused.

    Written from the rule in docs/privacy-model.md, not from the engine: an app
    blocked by the contact gets nothing; a purpose the contact refused, or (for
    downloads) a suppression, refuses the contact; then each value needs the
    scope of its field and action (for an app) and an audience admitting
    connections.
    """
    if blocked and scopes is not None:
        return None
    if action is Action.DOWNLOAD and c["suppressed"]:
        return None
    if not permits({**c, "suppressed": False}, purpose):
        return None
    audience = {Action.VIEW: "view", Action.DOWNLOAD: "download", Action.SYNC: "sync"}[action]
    return [
        (f, label, text)
        for f, label, text, p in c["values"]
        if Relation.CONNECTION in ADMITS[getattr(p, audience)]
        and (scopes is None or Scope(f"{f.group}:{action}") in scopes)
    ]


def parsed(fmt: str, data: bytes) -> dict[str, Any]:
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


def check_contact(
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
