"""Hidden names never change what a search finds (found by review).

The pre-filter on stored names once stopped at 500 candidates, hidden names
included, before deciding which names the searcher may see: 500 hidden
"Zarkov"s pushed a public Zarkov out of the results, so whether a visible
name was found told the searcher that hidden ones matched.
"""

from __future__ import annotations

import pytest

from app.disclosure import names
from app.disclosure.names import members_named
from app.disclosure.service import Requester
from permissions import Audience, Field, policy
from tests.factories import make_member, set_policy

HIDDEN = policy(Audience.NOBODY, Audience.NOBODY, Audience.NOBODY)


def _hidden_zarkov(session):
    member = make_member(session, "Quinby", "Zarkov")
    set_policy(session, member.id, Field.FIRST_NAME, HIDDEN)
    set_policy(session, member.id, Field.LAST_NAME, HIDDEN)
    return member


@pytest.mark.parametrize("hidden", [names.CANDIDATE_CHUNK - 1, names.CANDIDATE_CHUNK])
def test_hidden_names_do_not_push_a_visible_one_out_of_the_results(client, session, auth, hidden):
    # At full scale: 499 or 500 hidden names, as the review found it.
    make_member(session, "Eve", "Searcher", email="eve@example.com")
    for _ in range(hidden):
        _hidden_zarkov(session)
    make_member(session, "Public", "Zarkov")  # anyone may see this name
    session.commit()
    auth.login("eve@example.com")
    page = client.get("/search?q=zarkov").get_data(as_text=True)
    assert "Public Zarkov" in page
    assert "Quinby" not in page


def test_the_limit_counts_visible_matches_only(session, monkeypatch):
    monkeypatch.setattr(names, "CANDIDATE_CHUNK", 3)  # several chunks from a small world
    eve = make_member(session, "Eve", "Searcher")
    visible = []
    for i in range(4):
        for _ in range(i + 2):  # ever more hidden names between the visible ones
            _hidden_zarkov(session)
        visible.append(make_member(session, "Public", f"Zarkov{i}").id)
    session.flush()
    requester = Requester(eve.id)
    found = members_named(session, requester, "zarkov", connections_only=False, limit=3)
    assert found == visible[:3]
    assert members_named(session, requester, "zarkov", connections_only=False) == visible
    assert members_named(session, requester, "quinby", connections_only=False) == []
