"""The Content-Security-Policy every page gets, and its one variation.

A page whose form leads the browser to another site needs that site in
``form-action``: browsers check it on the redirects that follow a form
submission, not only on the form's own target. The OAuth consent page is
such a page (Allow and Deny send the member back to the app).
"""

from __future__ import annotations

from collections.abc import Iterable


def content_security_policy(form_targets: Iterable[str] = ()) -> str:
    """The policy, with ``form_targets`` (origins) allowed as form destinations besides us."""
    form_action = " ".join(["'self'", *form_targets])
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data:",
            "style-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()
