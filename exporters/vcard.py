"""vCard 4.0 (RFC 6350): one card per contact, safe against property injection."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date

from exporters.protocol import ManifestSource
from exporters.records import ContactRecord, Layout, Value, grouped, in_chunks, is_e164
from permissions import Field, ValueLabel

LINE_OCTETS = 75  # RFC 6350 3.2: lines SHOULD NOT be longer than 75 octets
CARDS_PER_CHUNK = 200
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# RFC 6350 6.4.1-6.4.2: EMAIL and URL know "home" and "work"; TEL adds "cell".
_TYPES = {ValueLabel.PERSONAL: "home", ValueLabel.WORK: "work"}
_TEL_TYPES = _TYPES | {ValueLabel.MOBILE: "cell"}
_SIMPLE = {
    Field.COMPANY: "ORG",
    Field.POSITION: "TITLE",
    Field.HEADLINE: "NOTE",
    Field.LOCATION: "X-FIELDGATE-LOCATION",
    Field.INDUSTRY: "X-FIELDGATE-INDUSTRY",
}
_MULTI = {Field.EMAIL: "EMAIL", Field.PHONE: "TEL", Field.WEBSITE: "URL"}


def escape(text: str) -> str:
    """A text value with backslash, comma, semicolon and every line break escaped (RFC 6350 3.4).

    Escaping line breaks is what stops a value from starting a new property
    or ending the card early.
    """
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """The content line folded into CRLF-ended lines of at most 75 octets.

    A fold never falls inside a UTF-8 sequence: we cut between characters and
    count each character's encoded length.
    """
    if len(line) * 4 <= LINE_OCTETS or len(line.encode("utf-8")) <= LINE_OCTETS:
        return line + "\r\n"  # the usual short line, without walking its characters
    out: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > LINE_OCTETS:
            out.append("".join(current))
            current, size = [" "], 1  # the continuation's leading space is one octet
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n".join(out) + "\r\n"


def _single(by_field: dict[Field, list[Value]], field: Field) -> str:
    values = by_field.get(field)
    return values[0].value if values else ""


def _name_lines(record: ContactRecord, by_field: dict[Field, list[Value]]) -> list[str]:
    first, last = _single(by_field, Field.FIRST_NAME), _single(by_field, Field.LAST_NAME)
    # FN is required; when no name was released the card is named by its id.
    full = " ".join(part for part in (first, last) if part) or record.contact_id
    return [f"FN:{escape(full)}", f"N:{escape(last)};{escape(first)};;;"]


def _typed(field: Field, value: Value) -> str:
    types = _TEL_TYPES if field is Field.PHONE else _TYPES
    kind = types.get(value.label) if value.label else None
    params = f";TYPE={kind}" if kind else ""
    if field is Field.PHONE and is_e164(value.value):
        # RFC 6350 6.4.1: TEL SHOULD be a URI; a tel: URI (RFC 3966) holds an
        # E.164 number as it is. A number stored before E.164 stays text.
        return f"TEL;VALUE=uri{params}:tel:{value.value}"
    return f"{_MULTI[field]}{params}:{escape(value.value)}"


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _birthday(text: str) -> str:
    match = _ISO_DATE.fullmatch(text)
    if match and _is_date(text):
        return "BDAY:" + "".join(match.groups())
    return f"BDAY;VALUE=text:{escape(text)}"


def card_lines(record: ContactRecord, layout: Layout) -> list[str]:
    """The unfolded content lines of one contact's card."""
    by_field = grouped(record)
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"UID:urn:fieldgate:{escape(record.contact_id)}"]
    lines += _name_lines(record, by_field)
    for field in layout.fields:
        values = by_field.get(field, [])
        if field in _MULTI:
            lines += [_typed(field, v) for v in values]
        elif field in _SIMPLE and values:
            lines.append(f"{_SIMPLE[field]}:{escape(values[0].value)}")
        elif field is Field.ADDRESS and values:
            # The catalog keeps an address as one free text; it goes in the street part.
            lines.append(f"ADR:;;{escape(values[0].value)};;;;")
        elif field is Field.BIRTHDAY and values:
            lines.append(_birthday(values[0].value))
    lines.append("END:VCARD")
    return lines


class VcardExporter:
    """Cards with FN/N, EMAIL/TEL/URL with TYPE, ORG, TITLE, ADR, BDAY; CRLF, escaped, folded."""

    name = "vcard"
    media_type = "text/vcard; charset=utf-8"
    extension = "vcf"

    def stream(
        self, records: Iterable[ContactRecord], layout: Layout, manifest: ManifestSource
    ) -> Iterator[bytes]:
        """Cards in chunks; a vCard file has no place for the manifest."""

        def cards() -> Iterator[str]:
            for record in records:
                yield "".join(fold(line) for line in card_lines(record, layout))
            manifest()

        return in_chunks(cards(), CARDS_PER_CHUNK)
