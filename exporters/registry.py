"""Exporters by name: the one place that knows which formats exist."""

from __future__ import annotations

from collections.abc import Callable

from exporters.csv_format import CsvExporter
from exporters.json_format import JsonExporter, NdjsonExporter
from exporters.protocol import Exporter
from exporters.vcard import VcardExporter


class UnknownFormat(ValueError):
    """No exporter has that name; the message lists the ones that exist."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown format {name!r}; choose one of: {', '.join(names())}.")
        self.name = name


_FACTORIES: dict[str, Callable[[bool], Exporter]] = {
    "csv": lambda bom: CsvExporter(bom=bom),
    "vcard": lambda bom: VcardExporter(),
    "json": lambda bom: JsonExporter(),
    "ndjson": lambda bom: NdjsonExporter(),
}


def names() -> tuple[str, ...]:
    """The names of every exporter, in the order a form should offer them."""
    return tuple(_FACTORIES)


def get_exporter(name: str, bom: bool = False) -> Exporter:
    """The exporter called ``name``; ``bom`` asks CSV for a byte-order mark.

    Raises:
        UnknownFormat: no exporter has that name.
    """
    factory = _FACTORIES.get(name)
    if factory is None:
        raise UnknownFormat(name)
    return factory(bom)
