from __future__ import annotations

from itertools import product

import pytest

from permissions import Audience, Policy
from permissions.explain import NOUN, every_explanation, explain


def test_the_narrowest_audience_has_one_name_on_selects_and_chips():
    assert Audience.NOBODY.caption == "Only me"


@pytest.mark.parametrize(
    ("view", "download", "sync"),
    [p for p in product(Audience, repeat=3) if Policy(*p).is_monotone()],
)
def test_no_sentence_uses_another_name_for_only_me(view, download, sync):
    sentence = explain(Policy(view, download, sync), "this phone")
    assert "Only you" not in sentence
    assert sentence.endswith(".")


def test_a_private_value_is_explained_in_the_members_own_terms():
    sentence = explain(Policy(Audience.NOBODY, Audience.NOBODY, Audience.NOBODY), "this phone")
    assert sentence == "Nobody but you can see this phone."


def test_every_explanation_covers_each_allowed_policy_and_nothing_else():
    table = every_explanation()
    allowed = [p for p in product(Audience, repeat=3) if Policy(*p).is_monotone()]
    assert len(table) == len(allowed) == 35
    for view, download, sync in allowed:
        sentence = table[f"{view}/{download}/{sync}"]
        expected = explain(Policy(view, download, sync), "this e-mail")
        assert sentence.replace(NOUN, "this e-mail") == expected
    assert "public/public/public" in table
    assert "nobody/public/nobody" not in table
