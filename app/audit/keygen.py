"""``python -m app.audit.keygen``: make the access log's signing key without starting the app.

``flask audit keygen`` does the same, but a production app refuses to start
without AUDIT_SIGNING_KEY, so the key must be made first: this needs neither
the app nor its configuration, only the log's origin (``--origin``, or
``AUDIT_LOG_ORIGIN``).
"""

from __future__ import annotations

import argparse
import os
import sys

from app.audit.note import NoteError, generate_signer_key, verifier_key_for

DEFAULT_ORIGIN = "fieldgate.localhost/access-log"


def announcement(key: str) -> tuple[str, list[str]]:
    """What making ``key`` prints: the line for the environment, and advice (for stderr)."""
    return f"AUDIT_SIGNING_KEY={key}", [
        f"Verifier key (publish it): {verifier_key_for(key)}",
        "Keep the signing key out of the database's reach.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.audit.keygen", description=__doc__)
    parser.add_argument(
        "--origin",
        default=os.environ.get("AUDIT_LOG_ORIGIN") or DEFAULT_ORIGIN,
        help="the log's origin, as AUDIT_LOG_ORIGIN will say (default: AUDIT_LOG_ORIGIN)",
    )
    args = parser.parse_args(argv)
    try:
        key = generate_signer_key(args.origin)
    except NoteError as exc:
        print(f"Cannot make a key for origin {args.origin!r}: {exc}", file=sys.stderr)
        return 2
    secret, advice = announcement(key)
    print(secret)
    print("\n".join(advice), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
