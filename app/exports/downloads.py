"""An export as an HTTP download: the streamed file, and the wait after a daily limit."""

from __future__ import annotations

from flask import Response, stream_with_context

from app.exports.quota import QuotaExceeded
from app.exports.service import PreparedExport


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
