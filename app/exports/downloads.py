"""An export as an HTTP download: the streamed file, and the wait after a daily limit."""

from __future__ import annotations

from flask import Response, request, stream_with_context
from werkzeug.exceptions import MethodNotAllowed

from app.exports.quota import QuotaExceeded
from app.exports.service import PreparedExport


def refuse_head() -> None:
    """Refuse HEAD on a GET that starts a download, before anything is decided or reserved.

    Werkzeug answers HEAD to every GET route and sends no body: the download's
    first part was decided, logged as released and counted against the daily
    limit, then never sent, and an export run stayed "running" for good
    (found by review).

    Raises:
        MethodNotAllowed: the request is a HEAD (a 405 with ``Allow: GET``).
    """
    if request.method == "HEAD":
        raise MethodNotAllowed(valid_methods=["GET"], description="Use GET to download.")


def file_response(prepared: PreparedExport, **headers: str) -> Response:
    """The export streamed as an attachment, never cached; ``headers`` are added."""
    return Response(
        stream_with_context(prepared.body),
        content_type=prepared.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{prepared.filename}"',
            "X-Export-Id": str(prepared.run_id),
            "Cache-Control": "no-store",
            **headers,
        },
    )


def retry_after(exc: QuotaExceeded) -> str:
    """The ``Retry-After`` value for a refused export: whole seconds to the reset, at least 1."""
    return str(max(int(exc.seconds_left()), 1))
