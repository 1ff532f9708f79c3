"""Exporters by name: the one place that knows which formats exist."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from exporters.records import ContactRecord, Layout

ManifestSource = Callable[[], dict[str, Any]]


class UnknownFormat(ValueError):
    """No exporter has that name; the message lists the ones that exist."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown format {name!r}; choose one of: {', '.join(names())}.")
        self.name = name


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


def _factories() -> dict[str, Callable[[bool], Exporter]]:
    # Imported here so that each format module can import this one for the protocol.
    from exporters.csv_format import CsvExporter
    from exporters.json_format import JsonExporter, NdjsonExporter
    from exporters.vcard import VcardExporter

    return {
        "csv": lambda bom: CsvExporter(bom=bom),
        "vcard": lambda bom: VcardExporter(),
        "json": lambda bom: JsonExporter(),
        "ndjson": lambda bom: NdjsonExporter(),
    }


def names() -> tuple[str, ...]:
    """The names of every exporter, in the order a form should offer them."""
    return ("csv", "vcard", "json", "ndjson")


def get_exporter(name: str, bom: bool = False) -> Exporter:
    """The exporter called ``name``; ``bom`` asks CSV for a byte-order mark.

    Raises:
        UnknownFormat: no exporter has that name.
    """
    factory = _factories().get(name)
    if factory is None:
        raise UnknownFormat(name)
    return factory(bom)
