"""Reading numbers and JSON from requests without trusting them.

A number in a request is ASCII digits 0-9 and nothing else. ``int`` also
reads "٣" (Arabic-Indic three), "５" (full-width five), " 5", "+5" and
"1_0", and refuses "²", for which ``str.isdigit`` is true; Python refuses to
turn more than 4,300 digits into an int; and ids the database cannot hold
(beyond 32 bits) make it raise. Each of these is bad input, so each is a 400
or a 404 with a message here, never a server error nor a number read.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import abort, request
from marshmallow import fields
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
_ASCII_DIGITS = "[0-9]+"  # not \\d, which matches every script's digits
_ASCII_NUMBER = re.compile(_ASCII_DIGITS)


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id from 1 to MAX_ID; anything else is a 404, not a database error.

    In ASCII digits: werkzeug's ``\\d+`` let /apps/grants/١/revoke revoke
    grant 1 (found by review).
    """

    regex = _ASCII_DIGITS

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def ascii_number(raw: str | None, *, digits: int = 9) -> int | None:
    """``raw`` as a non-negative int if it is 1 to ``digits`` ASCII digits, else None."""
    if raw is None or len(raw) > digits or not _ASCII_NUMBER.fullmatch(raw):
        return None
    return int(raw)


class AsciiInteger(fields.Integer):
    """A query parameter that is a whole number: up to ``digits`` ASCII digits, nothing else.

    marshmallow's Integer reads its text with ``int()``, so /access?before=٣
    and /api/v1/connections?limit=١ answered 200 (found by review).
    """

    def __init__(self, *, digits: int = 19, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.digits = digits
        self.error_messages["invalid"] = f"Give a whole number of at most {digits} digits 0-9."

    def _validated(self, value: Any) -> int:
        number = ascii_number(value, digits=self.digits) if isinstance(value, str) else None
        if number is None:
            raise self.make_error("invalid", input=value)
        return number


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
