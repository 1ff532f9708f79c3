"""A realistic demo network: varied members, connections, one busy recruiter.

Deterministic (seeded) and idempotent: running it twice adds nothing the
second time, because members are found by their sign-in e-mail.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.services import hash_password
from app.demo.people import (
    CITIES,
    COMPANIES,
    FICTIONAL_LANDLINES,
    FICTIONAL_MOBILES,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    ROLES,
)
from app.models.accounts import Member
from app.network.services import connect
from app.privacy.services import set_purposes
from app.profiles.services import add_value
from permissions import PRESETS, Field, Policy, Purpose, ValueLabel, default_policy

DEMO_PASSWORD = "fieldgate-demo-2026"
DEMO_DOMAIN = "demo.fieldgate.example"
RECRUITER_EMAIL = f"rita.recruiter@{DEMO_DOMAIN}"
MEMBER_COUNT = 240
RECRUITER_CONNECTIONS = 160
SEED = 2026


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What a demo load did."""

    members_created: int
    members_total: int
    recruiter_connections: int


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def _person(rng: random.Random, index: int) -> dict[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return {
        "first": first,
        "last": last,
        "email": f"{_ascii(first)}.{_ascii(last)}.{index}@{DEMO_DOMAIN}",
        "work_email": f"{_ascii(first)}.{_ascii(last)}@{_ascii(rng.choice(COMPANIES))}.example",
        "role": rng.choice(ROLES),
        "company": rng.choice(COMPANIES),
        "city": rng.choice(CITIES),
        "industry": rng.choice(INDUSTRIES),
        "phone": _landline(rng),
        "mobile": rng.choice(FICTIONAL_MOBILES),
    }


def _landline(rng: random.Random) -> str:
    prefix, digits = rng.choice(FICTIONAL_LANDLINES)
    return f"{prefix}{rng.randrange(10**digits):0{digits}d}"


def _preset_for(rng: random.Random) -> str:
    return rng.choices(["default", "recruiters", "private"], weights=[6, 3, 1])[0]


def _policy(preset: str, field: Field) -> Policy:
    return PRESETS[preset].policy_for(field) if preset != "default" else default_policy(field)


def _create_member(
    session: Session, person: dict[str, str], password_hash: str, preset: str, rng: random.Random
) -> Member:
    member = Member(email=person["email"], password_hash=password_hash)
    session.add(member)
    session.flush()

    def add(field: Field, value: str, **kwargs: object) -> None:
        add_value(session, member.id, field, value, policy=_policy(preset, field), **kwargs)  # type: ignore[arg-type]

    add(Field.FIRST_NAME, person["first"])
    add(Field.LAST_NAME, person["last"])
    add(Field.HEADLINE, f"{person['role']} at {person['company']}")
    add(Field.COMPANY, person["company"])
    add(Field.POSITION, person["role"])
    add(Field.LOCATION, person["city"])
    add(Field.INDUSTRY, person["industry"])
    add(Field.EMAIL, person["email"], label=ValueLabel.PERSONAL, primary=True)
    if rng.random() < 0.7:
        add(Field.EMAIL, person["work_email"], label=ValueLabel.WORK)
    if rng.random() < 0.6:
        add(Field.PHONE, person["phone"], label=rng.choice([ValueLabel.WORK, ValueLabel.PERSONAL]))
    if rng.random() < 0.3:
        add(Field.PHONE, person["mobile"], label=ValueLabel.MOBILE)
    # Some members opt in to marketing, some object to sales or recruiting.
    choices = {
        Purpose.MARKETING: rng.random() < 0.2,
        Purpose.SALES: rng.random() > 0.15,
        Purpose.RECRUITING: rng.random() > 0.05,
    }
    set_purposes(session, member.id, choices)
    return member


def load_demo(session: Session) -> DemoSummary:
    """Create (or complete) the demo network and return what was done."""
    rng = random.Random(SEED)
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: same password for every demo member
    people = [_person(rng, i) for i in range(MEMBER_COUNT)]
    people[0] |= {
        "first": "Rita",
        "last": "Recruiter",
        "email": RECRUITER_EMAIL,
        "role": "Senior Talent Partner",
        "company": "Northwind Labs",
    }
    existing = dict(session.execute(select(Member.email, Member.id)).all())
    created = 0
    ids: list[int] = []
    for index, person in enumerate(people):
        preset = "default" if index == 0 else _preset_for(rng)
        if person["email"] in existing:
            ids.append(existing[person["email"]])
            continue
        member_rng = random.Random(f"{SEED}-{index}")
        ids.append(_create_member(session, person, password_hash, preset, member_rng).id)
        created += 1
    # Connections draw from their own generator, so they are the same on every
    # run whether or not members were created this time.
    graph_rng = random.Random(SEED + 1)
    recruiter, others = ids[0], ids[1:]
    for other in graph_rng.sample(others, RECRUITER_CONNECTIONS):
        connect(session, recruiter, other)
    for member_id in others:
        for other in graph_rng.sample(others, 4):
            connect(session, member_id, other)
    session.commit()
    return DemoSummary(created, len(ids), RECRUITER_CONNECTIONS)
