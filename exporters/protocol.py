"""What an exporter is: the protocol every format implements, and the manifest callback.

Its own module so that formats (which implement it) and the registry (which
builds them) both depend on it and never on each other in a loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from exporters.records import ContactRecord, Layout

ManifestSource = Callable[[], dict[str, Any]]


class Exporter(Protocol):
    """Formats already-filtered records as a stream of bytes."""

    name: str
    media_type: str
    extension: str

    def stream(
        self, records: Iterable[ContactRecord], layout: Layout, manifest: ManifestSource
    ) -> Iterator[bytes]:
        """The file, chunk by chunk.

        ``manifest`` is called once, only after the last record was consumed, so
        the counts it returns describe exactly what was written.
        """
        ...
