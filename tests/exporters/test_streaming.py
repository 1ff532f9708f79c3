"""What every format promises about streaming and the manifest."""

from __future__ import annotations

import pytest

from exporters import Layout, get_exporter, names
from permissions import Field
from tests.exporters.streams import WatchedRecords, WatchingManifest, numbered_records

LAYOUT = Layout((Field.FIRST_NAME,))
MANY = 1_201  # more than two chunks' worth in every format


@pytest.mark.parametrize("name", names())
def test_manifest_is_asked_for_once_after_the_last_record(name):
    records = WatchedRecords(numbered_records(MANY))
    manifest = WatchingManifest(records)
    chunks = list(get_exporter(name).stream(records, LAYOUT, manifest))
    assert manifest.calls == [(MANY, True)]
    assert b"c1200" in b"".join(chunks)


@pytest.mark.parametrize("name", names())
def test_output_starts_before_all_records_are_read(name):
    records = WatchedRecords(numbered_records(MANY))
    manifest = WatchingManifest(records)
    stream = get_exporter(name).stream(records, LAYOUT, manifest)
    first = next(stream)
    assert first
    assert records.taken < MANY
    assert manifest.calls == []
    rest = [chunk for chunk in stream if chunk]
    assert rest, "a large export comes in more than one chunk"


@pytest.mark.parametrize("name", names())
def test_nothing_is_read_before_the_stream_is_consumed(name):
    records = WatchedRecords(numbered_records(3))
    manifest = WatchingManifest(records)
    get_exporter(name).stream(records, LAYOUT, manifest)
    assert records.taken == 0
    assert manifest.calls == []


@pytest.mark.parametrize("name", names())
def test_an_empty_export_still_asks_for_the_manifest(name):
    records = WatchedRecords([])
    manifest = WatchingManifest(records)
    list(get_exporter(name).stream(records, LAYOUT, manifest))
    assert manifest.calls == [(0, True)]
