"""Reading numbers and JSON from requests without trusting them.

``str.isdigit`` is true for "²" and "٣", which ``int`` refuses; Python also
refuses to turn more than 4,300 digits into an int; and ids the database
cannot hold (beyond 32 bits) make it raise. Each of these is bad input, so
each is a 400 or a 404 with a message here, never a server error.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
_ASCII_NUMBER = re.compile(r"[0-9]{1,9}")


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id from 1 to MAX_ID; anything else is a 404, not a database error."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def ascii_number(raw: str | None) -> int | None:
    """``raw`` as a non-negative int if it is 1-9 ASCII digits, else None."""
    if raw is None or not _ASCII_NUMBER.fullmatch(raw):
        return None
    return int(raw)


def page_number(name: str = "page", *, last: int = 10_000) -> int:
    """The page asked for in the query string (1 when absent).

    Aborts with 400 when it is not a whole number from 1 to ``last``.
    """
    raw = request.args.get(name)
    if raw is None or raw == "":
        return 1
    page = ascii_number(raw)
    if page is None or not 1 <= page <= last:
        abort(400, f"The page number must be a whole number from 1 to {last}.")
    return page


class BadJson(ValueError):
    """The body is not a JSON document this API can read; the message says why."""


def json_body() -> Any:
    """The request's JSON document.

    Raises:
        BadJson: not sent as ``application/json``, not JSON, or nested too
            deep for the parser (which raises RecursionError past ~1,000 levels).
    """
    if not request.is_json:
        raise BadJson("Send a JSON object with Content-Type: application/json.")
    text = request.get_data(as_text=True)
    if "\\u0000" in text:
        raise BadJson("Text cannot contain a NUL character.")
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise BadJson("The JSON is nested too deeply to be read.") from exc
    except ValueError as exc:
        raise BadJson(f"The body is not valid JSON: {exc}.") from exc
