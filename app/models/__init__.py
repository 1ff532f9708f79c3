"""The storage layer's tables, one module per domain.

Importing this package registers every table on the metadata (for Alembic
and the app). It imports modules, never re-exports their classes: whoever
needs a model imports it from its own module, so that import contracts can
say who may read which table (see ``pyproject.toml``).
"""

from app.models import (  # noqa: F401
    accounts,
    apps,
    audit,
    exports,
    network,
    notifications,
    privacy,
    profiles,
)
