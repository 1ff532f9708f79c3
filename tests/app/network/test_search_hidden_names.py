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
from tests.factories import make_member, set_handle, set_policy

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
    made = []
    for i in range(4):
        for _ in range(i + 2):  # ever more hidden names between the visible ones
            made.append(_hidden_zarkov(session))
        made.append(make_member(session, "Public", f"Zarkov{i}"))
        visible.append(made[-1].id)
    for n, member in enumerate(made):  # names are matched in handle order: keep them between
        set_handle(session, member, f"zz{n:04d}")
    session.flush()
    requester = Requester(eve.id)
    found = members_named(session, requester, "zarkov", connections_only=False, limit=3)
    assert found == visible[:3]
    assert members_named(session, requester, "zarkov", connections_only=False) == visible
    assert members_named(session, requester, "quinby", connections_only=False) == []


def _decisions_for_one_search(session, monkeypatch, requester) -> int:
    """How many candidates one search decides before it answers."""
    decided = 0
    real = names.decide_for

    def counting(session, requester, candidates, **kwargs):
        nonlocal decided
        decided += len(candidates)
        return real(session, requester, candidates, **kwargs)

    monkeypatch.setattr(names, "decide_for", counting)
    try:
        found = members_named(session, requester, "zarkov", connections_only=False, limit=1)
    finally:
        monkeypatch.setattr(names, "decide_for", real)
    assert len(found) == 1
    return decided


def test_hidden_names_do_not_change_what_a_search_costs(session, monkeypatch):
    # Review 2: candidates are now decided chunk after chunk until the limit of
    # visible matches is reached, so the work (and the time) of one search grows
    # with the number of names nobody may see that match it: 30 of them here
    # cost ten more chunks of decisions. In a big network a search for a common
    # fragment decides the whole member table in one request (no rate limit on
    # /search), and the answer's latency tells how many hidden names match,
    # which the result no longer does. A name whose view audience is "nobody"
    # can never be visible to another member: the stored-name pre-filter can
    # leave it out before anything is decided.
    monkeypatch.setattr(names, "CANDIDATE_CHUNK", 3)
    eve = make_member(session, "Eve", "Searcher")
    first = make_member(session, "Public", "Zarkov")
    session.flush()
    requester = Requester(eve.id)
    without_hidden = _decisions_for_one_search(session, monkeypatch, requester)
    session.delete(first)
    session.flush()
    for _ in range(30):
        _hidden_zarkov(session)
    make_member(session, "Public", "Zarkov")
    session.flush()
    with_hidden = _decisions_for_one_search(session, monkeypatch, requester)
    assert with_hidden == without_hidden, (
        f"one search decided {with_hidden} candidates with 30 hidden names before the "
        f"visible one, {without_hidden} without them"
    )
