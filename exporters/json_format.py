"""JSON: one document with contacts and manifest; NDJSON: one object per line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from exporters.protocol import ManifestSource
from exporters.records import ContactRecord, Layout, grouped, in_chunks
from permissions import Field, ValueLabel

RECORDS_PER_CHUNK = 500


# Each field's JSON key and shape, and each label's text, looked up once:
# a page of the partner API builds a hundred of these documents per request,
# and enum properties cost more than the dictionaries themselves.
_SHAPES = {field: (field.value, field.multi_valued) for field in Field}
_LABEL_TEXT: dict[ValueLabel | None, str | None] = {label: label.value for label in ValueLabel}


def contact_fields(record: ContactRecord, layout: Layout) -> dict[str, Any]:
    """A contact's released values: a string per single field, a labelled list per multi field."""
    by_field = grouped(record)
    fields: dict[str, Any] = {}
    for field in layout.fields:
        values = by_field.get(field)
        if not values:
            continue
        key, multi = _SHAPES[field]
        if multi:
            fields[key] = [{"label": _LABEL_TEXT.get(v.label), "value": v.value} for v in values]
        else:
            fields[key] = values[0].value
    return fields


def _dumps(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


class JsonExporter:
    """``{"contacts": [...], "manifest": {...}}``, streamed; the manifest comes last."""

    name = "json"
    media_type = "application/json"
    extension = "json"

    def stream(
        self, records: Iterable[ContactRecord], layout: Layout, manifest: ManifestSource
    ) -> Iterator[bytes]:
        """The document in chunks; the manifest is computed after the last contact."""

        def pieces() -> Iterator[str]:
            yield '{"contacts":['
            for i, record in enumerate(records):
                contact = {"id": record.contact_id, "fields": contact_fields(record, layout)}
                yield ("," if i else "") + _dumps(contact)
            yield '],"manifest":' + _dumps(manifest()) + "}"

        return in_chunks(pieces(), RECORDS_PER_CHUNK)


class NdjsonExporter:
    """One JSON object per line: ``"type": "contact"`` lines, then one ``"manifest"`` line."""

    name = "ndjson"
    media_type = "application/x-ndjson"
    extension = "ndjson"

    def stream(
        self, records: Iterable[ContactRecord], layout: Layout, manifest: ManifestSource
    ) -> Iterator[bytes]:
        """Lines in chunks; the last line is the manifest."""

        def lines() -> Iterator[str]:
            for record in records:
                fields = contact_fields(record, layout)
                yield _dumps({"type": "contact", "id": record.contact_id, "fields": fields}) + "\n"
            yield _dumps({"type": "manifest", **manifest()}) + "\n"

        return in_chunks(lines(), RECORDS_PER_CHUNK)
