"""How many examples property tests run, and an independent statement of who an audience admits.

``HYPOTHESIS_PROFILE=ci`` (set by ``.ci/run``) runs the no-leak properties
with 600 examples each on SQLite, and 200 on PostgreSQL: the rule and the
code paths are the same on both, the second run checks what the database
adds (types, COPY, transactions), and CI must stay well under half an hour
on a slow 2-core machine. A developer's ``make test`` runs 40.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from permissions import Audience, Relation

CI = os.environ.get("HYPOTHESIS_PROFILE") == "ci"
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")
_CI_EXAMPLES = "200" if ON_POSTGRES else "600"
NO_LEAK_EXAMPLES = int(os.environ.get("FIELDGATE_NO_LEAK_EXAMPLES", _CI_EXAMPLES if CI else "40"))

# For the properties that go through the database and the web app.
no_leak = settings(
    max_examples=NO_LEAK_EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Who each audience admits, written out as sets rather than compared as ranks,
# so expectations never come from the engine's own tables (README, "Tests").
ADMITS: dict[Audience, frozenset[Relation]] = {
    Audience.NOBODY: frozenset(),
    Audience.CONNECTIONS: frozenset({Relation.CONNECTION}),
    Audience.NETWORK: frozenset({Relation.CONNECTION, Relation.NETWORK}),
    Audience.MEMBERS: frozenset({Relation.CONNECTION, Relation.NETWORK, Relation.MEMBER}),
    Audience.PUBLIC: frozenset(
        {Relation.CONNECTION, Relation.NETWORK, Relation.MEMBER, Relation.ANONYMOUS}
    ),
}
# Narrowest first, as docs/privacy-model.md orders audiences; used to draw monotone policies.
NARROW_TO_WIDE = [
    Audience.NOBODY,
    Audience.CONNECTIONS,
    Audience.NETWORK,
    Audience.MEMBERS,
    Audience.PUBLIC,
]
