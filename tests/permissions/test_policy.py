from __future__ import annotations

import pytest
from hypothesis import given

from permissions import Action, Audience, Policy, PolicyError, policy
from permissions.vocabulary import AUDIENCE_RANK
from tests.permissions.strategies import audiences


def test_refusal_names_the_value_and_both_actions():
    with pytest.raises(PolicyError) as caught:
        Policy.parse("connections", "public", "nobody", value_name="E-mail (work)")
    message = str(caught.value)
    assert "E-mail (work)" in message
    assert "who may download it (Public)" in message and "who may see it (Connections)" in message
    assert caught.value.narrower is Action.DOWNLOAD and caught.value.wider is Action.VIEW


def test_sync_wider_than_download_is_refused():
    with pytest.raises(PolicyError, match="sync"):
        policy(Audience.PUBLIC, Audience.CONNECTIONS, Audience.MEMBERS)


def test_unknown_audience_name_is_refused():
    with pytest.raises(ValueError, match="everyone"):
        Policy.parse("everyone", "nobody", "nobody")


@given(audiences, audiences, audiences)
def test_no_policy_accepted_by_validation_breaks_monotonicity(view, download, sync):
    monotone = AUDIENCE_RANK[sync] <= AUDIENCE_RANK[download] <= AUDIENCE_RANK[view]
    try:
        accepted = policy(view, download, sync)
    except PolicyError:
        assert not monotone
    else:
        assert monotone
        assert (
            AUDIENCE_RANK[accepted.sync]
            <= AUDIENCE_RANK[accepted.download]
            <= AUDIENCE_RANK[accepted.view]
        )


def test_checked_policies_are_shared():
    assert policy(Audience.PUBLIC, Audience.NOBODY, Audience.NOBODY) is policy(
        Audience.PUBLIC, Audience.NOBODY, Audience.NOBODY
    )
