"""Client secrets, authorization codes and tokens: generated here, stored only as digests.

Every credential is server-generated with 256 random bits, so a plain
SHA-256 digest is enough to store it (there is no dictionary to attack), and
it must be a deterministic digest so that a presented token can be found by
an index lookup. A recognisable prefix makes a leaked credential greppable.
"""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum


class Credential(StrEnum):
    """The kinds of credential, by the prefix each carries (prefixes, not secrets)."""

    CLIENT_ID = "fgc_"
    CLIENT_SECRET = "fgcs_"  # noqa: S105
    CODE = "fgac_"
    ACCESS_TOKEN = "fgat_"  # noqa: S105
    REFRESH_TOKEN = "fgrt_"  # noqa: S105


def new_credential(kind: Credential) -> str:
    """A fresh random credential of ``kind`` (a client id is shorter: it is not secret)."""
    random_bytes = 12 if kind is Credential.CLIENT_ID else 32
    return kind.value + secrets.token_urlsafe(random_bytes)


def digest(credential: str) -> str:
    """The stored form of ``credential``: its SHA-256, in hex."""
    return hashlib.sha256(credential.encode("utf-8", "surrogatepass")).hexdigest()


def matches(stored_digest: str, presented: str) -> bool:
    """True if ``presented`` is the credential whose digest is stored (constant time)."""
    return bool(stored_digest) and secrets.compare_digest(stored_digest, digest(presented))
