"""CSV per RFC 4180, safe to open in a spreadsheet program."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from exporters.records import ContactRecord, Layout, grouped
from exporters.registry import ManifestSource

# OWASP "CSV Injection": a cell starting with one of these may be run as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# Rows per chunk handed to the web server: big enough to amortise, small enough to stream.
ROWS_PER_CHUNK = 500


def neutralise(cell: str) -> str:
    """The cell with a leading quote if a spreadsheet would read it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def _cells(record: ContactRecord, layout: Layout) -> list[str]:
    by_field = grouped(record)
    row = [neutralise(record.contact_id)]
    for field, label in layout.slots():
        texts = [v.value for v in by_field.get(field, ()) if v.label == label]
        if len(texts) > 1 and any("\r" in t or "\n" in t for t in texts):
            # Several values share one cell, separated by a line break; a line
            # break inside one of them would make the split ambiguous.
            raise ValueError(f"A {field.title} value holds a line break; it cannot be exported.")
        row.append(neutralise("\n".join(texts)))
    return row


class CsvExporter:
    """One row per contact, one column per field value kind ("E-mail (work)").

    Several values of the same kind (two work e-mails) share their cell, one
    per line. Every cell is neutralised against formula injection; quoting of
    separators, quotes and line breaks is the standard library's.
    """

    name = "csv"
    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    def __init__(self, bom: bool = False) -> None:
        self.bom = bom

    def stream(
        self, records: Iterable[ContactRecord], layout: Layout, manifest: ManifestSource
    ) -> Iterator[bytes]:
        """The header, then rows in chunks of ROWS_PER_CHUNK; the manifest is not part of a CSV."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(layout.columns())
        prefix = "\ufeff" if self.bom else ""
        pending = 0
        for record in records:
            writer.writerow(_cells(record, layout))
            pending += 1
            if pending == ROWS_PER_CHUNK:
                yield (prefix + _take(buffer)).encode("utf-8")
                prefix, pending = "", 0
        rest = prefix + _take(buffer)
        if rest:
            yield rest.encode("utf-8")
        manifest()


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
