"""Pure formatters of already-filtered contact records (see README.md here)."""

from exporters.csv_format import neutralise
from exporters.protocol import Exporter, ManifestSource
from exporters.records import ContactRecord, ExportValue, Layout, Value
from exporters.registry import UnknownFormat, get_exporter, names

__all__ = [
    "ContactRecord",
    "ExportValue",
    "Exporter",
    "Layout",
    "ManifestSource",
    "UnknownFormat",
    "Value",
    "get_exporter",
    "names",
    "neutralise",
]
