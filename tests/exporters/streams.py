"""Running an exporter in a test: collecting its bytes and watching when it reads its input."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from exporters import ContactRecord, ExportValue, Layout, get_exporter
from exporters.protocol import ManifestSource
from permissions import Field


def export(
    name: str,
    records: Iterable[ContactRecord],
    layout: Layout,
    *,
    bom: bool = False,
    manifest: ManifestSource = dict,
) -> bytes:
    """The whole file the exporter called ``name`` writes."""
    return b"".join(get_exporter(name, bom=bom).stream(records, layout, manifest))


def numbered_records(count: int) -> list[ContactRecord]:
    """``count`` contacts "c0", "c1", ... each with a first name."""
    return [
        ContactRecord(f"c{i}", [ExportValue(Field.FIRST_NAME, None, f"Name {i}")])
        for i in range(count)
    ]


class WatchedRecords:
    """Records handed out one at a time, remembering how far the reader got."""

    def __init__(self, records: Sequence[ContactRecord]) -> None:
        self.records = records
        self.taken = 0
        self.finished = False

    def __iter__(self) -> Iterator[ContactRecord]:
        for record in self.records:
            self.taken += 1
            yield record
        # Reached only when the reader asked for a record after the last one.
        self.finished = True


class WatchingManifest:
    """A manifest source that notes, on each call, how far the records were read."""

    def __init__(self, records: WatchedRecords) -> None:
        self.records = records
        self.calls: list[tuple[int, bool]] = []

    def __call__(self) -> dict[str, Any]:
        self.calls.append((self.records.taken, self.records.finished))
        return {"contacts": self.records.taken}
