"""Which formats exist, what each is called, and what asking for another one does."""

from __future__ import annotations

import pytest

from exporters import UnknownFormat, get_exporter, names


def test_formats_are_offered_in_a_fixed_order():
    assert names() == ("csv", "vcard", "json", "ndjson")


@pytest.mark.parametrize(
    ("name", "media_type", "extension"),
    [
        ("csv", "text/csv; charset=utf-8", "csv"),
        ("vcard", "text/vcard; charset=utf-8", "vcf"),
        ("json", "application/json", "json"),
        ("ndjson", "application/x-ndjson", "ndjson"),
    ],
)
def test_each_format_names_its_media_type_and_extension(name, media_type, extension):
    exporter = get_exporter(name)
    assert exporter.name == name
    assert exporter.media_type == media_type
    assert exporter.extension == extension
    assert callable(exporter.stream)


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
