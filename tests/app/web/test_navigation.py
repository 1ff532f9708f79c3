"""Where a form sends the browser next: only to a path on this site, and never a 500."""

from __future__ import annotations

import pytest

from app.web.navigation import local_target

HOME = "/"


@pytest.mark.parametrize(
    "target",
    [
        "/m/ada",
        "/privacy?viewpoint=download&purpose=sales",
        "/search?q=ada+lovelace&page=2",
    ],
)
def test_a_path_on_this_site_is_kept(target: str) -> None:
    assert local_target(target, HOME) == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        # urlsplit drops tab and newlines, then reads "[::1" as an unclosed
        # IPv6 host and raises ValueError: a 500 after the action was saved
        # (found by review).
        "/\t/[::1",
        "/\n/[x]",
        "/\r/[",
        "/\t/evil.example",
        "/ /evil.example",
        "/m/ada\x0b",
        "/m/\u202eada",
        "/m/ada\u2028",
    ],
)
def test_anything_else_falls_back_to_the_default(target: str) -> None:
    assert local_target(target, HOME) == HOME
