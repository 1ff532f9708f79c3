"""Where to send the browser next, without open redirects."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

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


def referring_page() -> str | None:
    """The path (and query) of this site's page that sent this request, or None.

    Read from the ``Referer`` header, which browsers send within the site
    (``Referrer-Policy: same-origin``); a page of another site, or a header
    that cannot be read, gives None.
    """
    try:
        parts = urlsplit(request.referrer or "")
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    path = urlunsplit(("", "", parts.path, parts.query, ""))
    return path if _plain_path(path) else None


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


def carried_query(*names: str) -> dict[str, Any]:
    """The ``names`` this request's query gives (blanks left out), for a ``url_for``.

    Only the names the page reads: a whole query passed through let a crafted
    key reach ``url_for`` itself (``endpoint`` or ``_method`` made the answer
    a 500 after the change was saved, ``_anchor`` and ``_external`` changed
    the URL built; found by review).
    """
    return {name: request.args[name] for name in names if request.args.get(name)}
