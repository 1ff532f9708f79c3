"""Which formats exist, what each is called, and what asking for another one does."""

from __future__ import annotations

import csv
import io
import json

import pytest
import vobject

from exporters import ContactRecord, ExportValue, Layout, UnknownFormat, get_exporter, names
from permissions import Field


def _parse(media_type: str, data: bytes) -> list[str]:
    """The contact ids in ``data``, read by a parser chosen from the media type alone."""
    text = data.decode("utf-8")
    kind = media_type.split(";")[0]
    if kind == "text/csv":
        return [row["Contact id"] for row in csv.DictReader(io.StringIO(text, newline=""))]
    if kind == "text/vcard":
        return [card.uid.value.rsplit(":", 1)[1] for card in vobject.readComponents(text)]
    if kind == "application/json":
        return [c["id"] for c in json.loads(text)["contacts"]]
    if kind == "application/x-ndjson":
        lines = [json.loads(line) for line in text.splitlines()]
        return [line["id"] for line in lines if line["type"] == "contact"]
    raise AssertionError(f"no parser for {media_type}")


@pytest.mark.parametrize("name", names())
def test_each_format_writes_what_its_media_type_says(name: str) -> None:
    exporter = get_exporter(name)
    records = [ContactRecord("abc123", [ExportValue(Field.FIRST_NAME, None, "Ada")])]

    data = b"".join(exporter.stream(records, Layout((Field.FIRST_NAME,)), dict))

    assert _parse(exporter.media_type, data) == ["abc123"]
    assert exporter.extension.isalpha()


@pytest.mark.parametrize("name", ["xlsx", "CSV", "", "vcf"])
def test_unknown_format_is_refused_with_the_known_names(name):
    with pytest.raises(UnknownFormat) as caught:
        get_exporter(name)
    message = str(caught.value)
    assert repr(name) in message
    for known in names():
        assert known in message
    assert caught.value.name == name


def test_unknown_format_is_a_value_error():
    with pytest.raises(ValueError, match="xlsx"):
        get_exporter("xlsx")
