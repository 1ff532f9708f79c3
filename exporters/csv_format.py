"""CSV per RFC 4180, safe to open in a spreadsheet program."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

from exporters.protocol import ManifestSource
from exporters.records import ContactRecord, Layout

# OWASP "CSV Injection": a cell starting with one of these may be run as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# A signed number is read as a number, never as a formula: digits and one dot
# cannot name a function, a cell or another program. An E.164 phone number
# ("+442079460991", see records.is_e164) is one of these.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
# Rows per chunk handed to the web server: big enough to amortise, small enough to stream.
ROWS_PER_CHUNK = 500


def neutralise(cell: str) -> str:
    """The cell with a leading quote if a spreadsheet could read it as a formula.

    OWASP's "CSV Injection" advice: a cell that starts with ``=``, ``+``, ``-``,
    ``@``, a tab or a line break may be evaluated as a formula when the file
    is opened (``=HYPERLINK(...)`` to leak data, ``-2+3+cmd|...`` to run a
    program through DDE); a leading ``'`` makes the spreadsheet show it as
    text. A plain number, such as an E.164 phone number, is written as it is:
    it cannot call anything, and the quote would break imports into
    recruiting and CRM tools, which keep it as part of the number.
    """
    if cell.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


class _Row:
    """Places each value in its column; built once per stream, used for every record."""

    def __init__(self, layout: Layout) -> None:
        self.slots = layout.slots()
        # Column 0 is the contact id; the slots follow.
        self.column = {slot: i for i, slot in enumerate(self.slots, start=1)}

    def cells(self, record: ContactRecord) -> list[str]:
        """The record's row: its id, then one cell per column, every cell neutralised."""
        row: list[str | None] = [None] * (len(self.slots) + 1)
        shared: dict[int, list[str]] = {}
        for value in record.values:
            i = self.column.get((value.field, value.label))
            if i is None:
                continue
            if row[i] is None:
                row[i] = value.value
            else:
                shared.setdefault(i, [row[i]]).append(value.value)  # type: ignore[list-item]
        for i, texts in shared.items():
            if any("\r" in t or "\n" in t for t in texts):
                # Several values share one cell, separated by a line break; a
                # line break inside one of them would make the split ambiguous.
                field = self.slots[i - 1][0]
                raise ValueError(
                    f"A {field.caption} value holds a line break; it cannot be exported."
                )
            row[i] = "\n".join(texts)
        row[0] = record.contact_id
        # Most cells start with no formula character: only those pay for neutralise().
        return [
            (neutralise(cell) if cell.startswith(FORMULA_PREFIXES) else cell) if cell else ""
            for cell in row
        ]


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
        pending, row = 0, _Row(layout)
        for record in records:
            writer.writerow(row.cells(record))
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
