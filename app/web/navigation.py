"""Where to send the browser next, without open redirects."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import request


def local_target(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``; never raises.

    Callers redirect after their action has been saved, so a target that
    cannot be read must fall back rather than turn the answer into a 500.
    """
    if not target or not _plain_path(target):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unclosed "[" that urlsplit takes for an IPv6 host
        return default
    return default if parts.scheme or parts.netloc else target


def _plain_path(target: str) -> bool:
    """An absolute path with no backslash, whitespace or control character.

    urlsplit silently drops tab, CR and LF, so "/\t/[::1" passed the prefix
    checks, became "//[::1" and raised "Invalid IPv6 URL" (found by review);
    browsers drop or rewrite such characters too. No link of ours has them
    (``isprintable`` is false for every whitespace but the space).
    """
    return (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and " " not in target
        and target.isprintable()
    )


def carried_query() -> dict[str, Any]:
    """This request's query, to carry into a ``url_for`` of the page it leads back to.

    Without the names ``url_for`` keeps for itself (``_method``, ``_anchor``,
    ``_external``, ``_scheme``...): passed through, a crafted query string
    made the redirect a 500 or changed the URL built.
    """
    return {k: v for k, v in request.args.items() if not k.startswith("_")}
