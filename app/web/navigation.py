"""Where to send the browser next, without open redirects."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import request


def local_target(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return default


def carried_query() -> dict[str, Any]:
    """This request's query, to carry into a ``url_for`` of the page it leads back to.

    Without the names ``url_for`` keeps for itself (``_method``, ``_anchor``,
    ``_external``, ``_scheme``...): passed through, a crafted query string
    made the redirect a 500 or changed the URL built.
    """
    return {k: v for k, v in request.args.items() if not k.startswith("_")}
