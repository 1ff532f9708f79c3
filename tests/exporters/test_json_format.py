"""JSON and NDJSON: documents that parse, labelled multi-valued fields, manifest last."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings

from exporters import ContactRecord, ExportValue, Layout, get_exporter
from permissions import Field, ValueLabel
from tests.exporters.strategies import exports
from tests.exporters.streams import WatchedRecords, WatchingManifest, export, numbered_records

LAYOUT = Layout((Field.FIRST_NAME, Field.LAST_NAME, Field.EMAIL, Field.PHONE, Field.BIRTHDAY))
ADA = ContactRecord(
    "c-1",
    [
        ExportValue(Field.FIRST_NAME, None, "Ada"),
        ExportValue(Field.EMAIL, ValueLabel.WORK, "ada@work.example"),
        ExportValue(Field.EMAIL, ValueLabel.PERSONAL, "ada@home.example"),
        ExportValue(Field.PHONE, ValueLabel.OTHER, "+44 20 7946 0000"),
        ExportValue(Field.COMPANY, None, "not in the layout"),
    ],
)
ADA_FIELDS = {
    "first_name": "Ada",
    "email": [
        {"label": "work", "value": "ada@work.example"},
        {"label": "personal", "value": "ada@home.example"},
    ],
    "phone": [{"label": "other", "value": "+44 20 7946 0000"}],
}


def ndjson_lines(data: bytes) -> list[dict[str, Any]]:
    """Each line of an NDJSON file, parsed; lines end with LF and nothing else."""
    text = data.decode("utf-8")
    assert text.endswith("\n")
    # Split on LF only: U+2028 and friends may appear unescaped inside a string.
    return [json.loads(line) for line in text.split("\n")[:-1]]


def expected_fields(record: ContactRecord, layout: Layout) -> dict[str, Any]:
    """What a reader should find under "fields" for ``record``."""
    fields: dict[str, Any] = {}
    for v in record.values:
        if v.field not in layout.fields:
            continue
        if v.field.multi_valued:
            fields.setdefault(v.field.value, []).append({"label": v.label, "value": v.value})
        else:
            fields[v.field.value] = v.value
    return fields


# --- JSON ----------------------------------------------------------------------------


def test_json_document_lists_contacts_then_the_manifest():
    data = export("json", [ADA], LAYOUT, manifest=lambda: {"contacts": 1, "withheld": 3})
    document = json.loads(data)
    assert list(document) == ["contacts", "manifest"]
    assert document["contacts"] == [{"id": "c-1", "fields": ADA_FIELDS}]
    assert document["manifest"] == {"contacts": 1, "withheld": 3}


def test_json_writes_text_as_utf8_not_escapes():
    record = ContactRecord("c-1", [ExportValue(Field.FIRST_NAME, None, "Zoë 漢字 😀")])
    data = export("json", [record], LAYOUT)
    assert "Zoë 漢字 😀".encode() in data
    assert json.loads(data)["contacts"][0]["fields"] == {"first_name": "Zoë 漢字 😀"}


def test_json_of_no_contacts_is_still_a_document():
    assert json.loads(export("json", [], LAYOUT)) == {"contacts": [], "manifest": {}}


def test_json_manifest_is_computed_after_the_records_and_written_last():
    records = WatchedRecords(numbered_records(1_201))
    manifest = WatchingManifest(records)
    chunks = list(get_exporter("json").stream(records, LAYOUT, manifest))
    assert len(chunks) > 1
    assert manifest.calls == [(1_201, True)]
    assert chunks[-1].endswith(b'"manifest":{"contacts":1201}}')
    document = json.loads(b"".join(chunks))
    assert [contact["id"] for contact in document["contacts"]] == [f"c{i}" for i in range(1_201)]


# --- NDJSON --------------------------------------------------------------------------


def test_ndjson_has_one_contact_per_line_then_the_manifest():
    other = ContactRecord("c-2", [ExportValue(Field.LAST_NAME, None, "line\nbreak")])
    data = export("ndjson", [ADA, other], LAYOUT, manifest=lambda: {"contacts": 2})
    assert ndjson_lines(data) == [
        {"type": "contact", "id": "c-1", "fields": ADA_FIELDS},
        {"type": "contact", "id": "c-2", "fields": {"last_name": "line\nbreak"}},
        {"type": "manifest", "contacts": 2},
    ]


def test_ndjson_of_no_contacts_is_just_the_manifest():
    assert ndjson_lines(export("ndjson", [], LAYOUT)) == [{"type": "manifest"}]


def test_ndjson_manifest_is_the_last_line_and_computed_after_the_records():
    records = WatchedRecords(numbered_records(1_201))
    manifest = WatchingManifest(records)
    chunks = list(get_exporter("ndjson").stream(records, LAYOUT, manifest))
    assert len(chunks) > 1
    assert manifest.calls == [(1_201, True)]
    lines = ndjson_lines(b"".join(chunks))
    assert len(lines) == 1_202
    assert all(line["type"] == "contact" for line in lines[:-1])
    assert lines[-1] == {"type": "manifest", "contacts": 1_201}


# --- properties ----------------------------------------------------------------------


@settings(max_examples=100)
@given(exports())
def test_any_values_come_back_from_a_json_reader(export_input):
    layout, records = export_input
    document = json.loads(export("json", records, layout, manifest=lambda: {"n": len(records)}))
    assert document == {
        "contacts": [{"id": r.contact_id, "fields": expected_fields(r, layout)} for r in records],
        "manifest": {"n": len(records)},
    }


@settings(max_examples=100)
@given(exports())
def test_any_values_come_back_from_an_ndjson_reader(export_input):
    layout, records = export_input
    lines = ndjson_lines(export("ndjson", records, layout, manifest=lambda: {"n": len(records)}))
    assert lines == [
        {"type": "contact", "id": r.contact_id, "fields": expected_fields(r, layout)}
        for r in records
    ] + [{"type": "manifest", "n": len(records)}]
