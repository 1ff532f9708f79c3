"""vCard 4.0: CRLF, folding at 75 octets, escaping, no property injection, the properties."""

from __future__ import annotations

import re
from typing import Any

import pytest
import vobject
from hypothesis import given, settings

from exporters import ContactRecord, ExportValue, Layout, get_exporter
from exporters.vcard import card_lines, escape, fold
from permissions import Field, ValueLabel
from tests.exporters.strategies import exports
from tests.exporters.streams import export

EVERYTHING = Layout(tuple(Field))
HOSTILE = "x\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:evil"
LONG = "漢字かな" * 30 + "😀👩‍👩‍👧" * 15 + "é" * 60 + "a" * 80

# What RFC 6350 calls each field; the exporter must agree with this table.
SINGLE_PROPERTIES = {
    Field.COMPANY: "ORG",
    Field.POSITION: "TITLE",
    Field.HEADLINE: "NOTE",
    Field.LOCATION: "X-FIELDGATE-LOCATION",
    Field.INDUSTRY: "X-FIELDGATE-INDUSTRY",
    Field.ADDRESS: "ADR",
    Field.BIRTHDAY: "BDAY",
}
MULTI_PROPERTIES = {Field.EMAIL: "EMAIL", Field.PHONE: "TEL", Field.WEBSITE: "URL"}
TYPES = {ValueLabel.PERSONAL: ["home"], ValueLabel.WORK: ["work"], ValueLabel.OTHER: None}
TEL_TYPES = TYPES | {ValueLabel.MOBILE: ["cell"]}
E164 = re.compile(r"\+[1-9][0-9]{0,14}")


def read_cards(data: bytes) -> list[Any]:
    """The cards in a vCard file, as an independent parser (vobject) reads them."""
    return list(vobject.readComponents(data.decode("utf-8")))


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    return data.split(b"\r\n")[:-1]


def property_names(card: Any) -> list[str]:
    return sorted(child.name for child in card.getChildren())


def one_line_breaks(text: str) -> str:
    """``text`` with CR and CRLF as LF: vCard has a single escape for every line break."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def card_of(*values: ExportValue, contact_id: str = "c-1") -> Any:
    (card,) = read_cards(export("vcard", [ContactRecord(contact_id, values)], EVERYTHING))
    return card


# --- framing and folding -------------------------------------------------------------


def test_every_line_ends_with_crlf():
    record = ContactRecord(
        "c-1",
        [
            ExportValue(Field.FIRST_NAME, None, "Ada"),
            ExportValue(Field.HEADLINE, None, "line one\nline two\rline three"),
            ExportValue(Field.COMPANY, None, LONG),
        ],
    )
    data = export("vcard", [record, record], EVERYTHING)
    assert data.startswith(b"BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert data.endswith(b"END:VCARD\r\n")
    assert b"\r" not in data.replace(b"\r\n", b"")
    assert b"\n" not in data.replace(b"\r\n", b"")


@pytest.mark.parametrize(
    "text",
    [
        "a" * 300,
        "漢" * 200,  # three octets each
        "😀" * 120,  # four octets each
        "é" * 150,  # two octets each
        "a" + "😀" * 100,  # four-octet characters that straddle every 75th octet
        "ab" + "漢" * 100,
        LONG,
    ],
)
def test_lines_are_folded_to_75_octets_between_characters(text):
    data = export(
        "vcard", [ContactRecord("c-1", [ExportValue(Field.COMPANY, None, text)])], EVERYTHING
    )
    lines = physical_lines(data)
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold never cuts a UTF-8 sequence in two
    assert any(line.startswith(b" ") for line in lines)
    (card,) = read_cards(data)
    assert card.org.value == [text]


def test_fold_leaves_a_75_octet_line_alone_and_folds_a_76_octet_one():
    assert fold("N" * 75) == "N" * 75 + "\r\n"
    assert fold("N" * 76) == "N" * 75 + "\r\n N\r\n"


def test_fold_continuations_unfold_to_the_original_line():
    line = "NOTE:" + "😀" * 50 + " " * 100 + "漢" * 50
    folded = fold(line)
    physical = folded.split("\r\n")[:-1]
    assert all(len(part.encode("utf-8")) <= 75 for part in physical)
    assert physical[0] + "".join(part[1:] for part in physical[1:]) == line
    assert all(part.startswith(" ") for part in physical[1:])


def test_every_chunk_of_a_large_file_decodes_on_its_own():
    records = [
        ContactRecord(f"c-{i}", [ExportValue(Field.HEADLINE, None, LONG)]) for i in range(300)
    ]
    chunks = list(get_exporter("vcard").stream(records, EVERYTHING, dict))
    assert len([chunk for chunk in chunks if chunk]) > 1
    for chunk in chunks:
        chunk.decode("utf-8")
        assert all(len(line) <= 75 for line in chunk.split(b"\r\n"))
    assert len(read_cards(b"".join(chunks))) == 300


# --- escaping and injection ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("back\\slash", "back\\\\slash"),
        ("comma,here", "comma\\,here"),
        ("semi;colon", "semi\\;colon"),
        ("line\nfeed", "line\\nfeed"),
        ("carriage\rreturn", "carriage\\nreturn"),
        ("both\r\nends", "both\\nends"),
        ("two\n\nbreaks", "two\\n\\nbreaks"),
        ("\\n is not a break", "\\\\n is not a break"),
        ("colon: stays", "colon: stays"),
        ("plain", "plain"),
    ],
)
def test_escape(text, escaped):
    assert escape(text) == escaped


def test_escaped_values_come_back_as_written():
    value = "a\\b,c;d\ne\r\nf\rg"
    card = card_of(
        ExportValue(Field.FIRST_NAME, None, value), ExportValue(Field.HEADLINE, None, value)
    )
    assert card.note.value == "a\\b,c;d\ne\nf\ng"
    assert card.n.value.given == "a\\b,c;d\ne\nf\ng"


@pytest.mark.parametrize("field", [Field.FIRST_NAME, Field.HEADLINE, Field.ADDRESS, Field.EMAIL])
def test_a_hostile_value_cannot_add_a_card_or_a_property(field):
    label = ValueLabel.WORK if field.multi_valued else None
    data = export("vcard", [ContactRecord("c-1", [ExportValue(field, label, HOSTILE)])], EVERYTHING)
    lines = physical_lines(data)
    assert lines.count(b"BEGIN:VCARD") == 1
    assert lines.count(b"END:VCARD") == 1
    assert not any(line.startswith(b"FN:evil") for line in lines)
    (card,) = read_cards(data)
    assert property_names(card).count("FN") == 1
    expected_property = {
        Field.FIRST_NAME: [],
        Field.HEADLINE: ["NOTE"],
        Field.ADDRESS: ["ADR"],
        Field.EMAIL: ["EMAIL"],
    }[field]
    assert property_names(card) == sorted(["VERSION", "UID", "FN", "N", *expected_property])


def test_a_hostile_name_stays_inside_fn_and_n():
    card = card_of(ExportValue(Field.FIRST_NAME, None, HOSTILE))
    assert card.fn.value == one_line_breaks(HOSTILE)
    assert card.n.value.given == one_line_breaks(HOSTILE)
    assert card.uid.value == "urn:fieldgate:c-1"


# --- properties ----------------------------------------------------------------------


def test_emails_and_phones_carry_their_type():
    card = card_of(
        ExportValue(Field.EMAIL, ValueLabel.WORK, "ada@work.example"),
        ExportValue(Field.EMAIL, ValueLabel.PERSONAL, "ada@home.example"),
        ExportValue(Field.EMAIL, ValueLabel.WORK, "lovelace@work.example"),
        ExportValue(Field.PHONE, ValueLabel.PERSONAL, "+442079460000"),
        ExportValue(Field.PHONE, ValueLabel.WORK, "+442079460001"),
        ExportValue(Field.PHONE, ValueLabel.MOBILE, "+61491570156"),
        ExportValue(Field.PHONE, ValueLabel.OTHER, "+442079460002"),
    )
    emails = [(email.params.get("TYPE"), email.value) for email in card.contents["email"]]
    assert emails == [
        (["work"], "ada@work.example"),
        (["home"], "ada@home.example"),
        (["work"], "lovelace@work.example"),
    ]
    phones = [(tel.params.get("TYPE"), tel.value) for tel in card.contents["tel"]]
    assert phones == [
        (["home"], "tel:+442079460000"),
        (["work"], "tel:+442079460001"),
        (["cell"], "tel:+61491570156"),
        (None, "tel:+442079460002"),
    ]


def test_a_phone_number_in_e164_is_a_tel_uri():
    lines = card_lines(
        ContactRecord("c1", [ExportValue(Field.PHONE, ValueLabel.MOBILE, "+61491570156")]),
        Layout((Field.PHONE,)),
    )
    assert "TEL;VALUE=uri;TYPE=cell:tel:+61491570156" in lines
    (tel,) = card_of(ExportValue(Field.PHONE, ValueLabel.MOBILE, "+61491570156")).contents["tel"]
    assert (tel.params["VALUE"], tel.value) == (["uri"], "tel:+61491570156")


@pytest.mark.parametrize("stored", ["+68 364 8045862", "020 7946 0991", "+44;20,7946"])
def test_a_phone_number_stored_before_e164_stays_text(stored):
    (tel,) = card_of(ExportValue(Field.PHONE, ValueLabel.WORK, stored)).contents["tel"]
    assert "VALUE" not in tel.params
    assert tel.value == stored


def test_full_name_joins_first_and_last():
    card = card_of(
        ExportValue(Field.LAST_NAME, None, "Lovelace"), ExportValue(Field.FIRST_NAME, None, "Ada")
    )
    assert card.fn.value == "Ada Lovelace"
    assert (card.n.value.family, card.n.value.given) == ("Lovelace", "Ada")


def test_full_name_is_the_last_name_when_only_that_was_released():
    card = card_of(ExportValue(Field.LAST_NAME, None, "Lovelace"))
    assert card.fn.value == "Lovelace"


def test_full_name_falls_back_to_the_contact_id():
    card = card_of(ExportValue(Field.EMAIL, ValueLabel.WORK, "ada@work.example"), contact_id="m-42")
    assert card.fn.value == "m-42"
    assert (card.n.value.family, card.n.value.given) == ("", "")


def test_uid_names_the_contact():
    card = card_of(contact_id="m-42")
    assert card.uid.value == "urn:fieldgate:m-42"


def test_iso_birthday_is_a_vcard_date():
    data = export(
        "vcard",
        [ContactRecord("c-1", [ExportValue(Field.BIRTHDAY, None, "1815-12-10")])],
        EVERYTHING,
    )
    assert b"\r\nBDAY:18151210\r\n" in data
    (card,) = read_cards(data)
    assert card.bday.value == "18151210"
    assert "VALUE" not in card.bday.params


@pytest.mark.parametrize("text", ["10 December", "1815-12", "around 1815", "1815-12-10, London"])
def test_other_birthdays_are_free_text(text):
    card = card_of(ExportValue(Field.BIRTHDAY, None, text))
    assert card.bday.params["VALUE"] == ["text"]
    assert card.bday.value == text


def test_company_position_address_and_the_rest():
    card = card_of(
        ExportValue(Field.COMPANY, None, "Analytical Engines; Ltd"),
        ExportValue(Field.POSITION, None, "Programmer"),
        ExportValue(Field.HEADLINE, None, "First programmer"),
        ExportValue(Field.LOCATION, None, "London"),
        ExportValue(Field.INDUSTRY, None, "Computing"),
        ExportValue(Field.ADDRESS, None, "12 St James's Square, London"),
        ExportValue(Field.WEBSITE, ValueLabel.PERSONAL, "https://ada.example"),
    )
    assert card.org.value == ["Analytical Engines; Ltd"]
    assert card.title.value == "Programmer"
    assert card.note.value == "First programmer"
    assert card.contents["x-fieldgate-location"][0].value == "London"
    assert card.contents["x-fieldgate-industry"][0].value == "Computing"
    assert card.adr.value.street == "12 St James's Square, London"
    assert card.adr.value.city == ""
    assert card.url.value == "https://ada.example"
    assert card.url.params["TYPE"] == ["home"]


def test_fields_outside_the_layout_are_left_out():
    record = ContactRecord(
        "c-1",
        [
            ExportValue(Field.COMPANY, None, "Acme"),
            ExportValue(Field.EMAIL, ValueLabel.WORK, "a@b"),
        ],
    )
    (card,) = read_cards(export("vcard", [record], Layout((Field.EMAIL,))))
    assert property_names(card) == ["EMAIL", "FN", "N", "UID", "VERSION"]


# --- property ------------------------------------------------------------------------


def birthday_as_written(text: str) -> tuple[list[str] | None, str]:
    """(VALUE parameter, value) a reader sees for a birthday: an ISO date becomes a date."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None, text.replace("-", "")
    return ["text"], one_line_breaks(text)


def multi_as_written(field: Field, value: ExportValue) -> tuple[Any, Any, str]:
    """(TYPE, VALUE, value) a reader sees: an E.164 phone number becomes a tel: URI."""
    if field is Field.PHONE and E164.fullmatch(value.value):
        return TEL_TYPES[value.label], ["uri"], "tel:" + value.value
    types = TEL_TYPES if field is Field.PHONE else TYPES
    return types[value.label], None, one_line_breaks(value.value)


def assert_card_holds(card: Any, record: ContactRecord, layout: Layout) -> None:
    """The card has exactly the record's values for the layout, and nothing else."""
    given = {v.field: one_line_breaks(v.value) for v in record.values if not v.field.multi_valued}
    first, last = given.get(Field.FIRST_NAME, ""), given.get(Field.LAST_NAME, "")
    assert card.uid.value == f"urn:fieldgate:{record.contact_id}"
    assert card.fn.value == (" ".join(part for part in (first, last) if part) or record.contact_id)
    assert (card.n.value.family, card.n.value.given) == (last, first)

    expected_names = ["VERSION", "UID", "FN", "N"]
    for field, name in MULTI_PROPERTIES.items():
        released = [v for v in record.values if v.field is field and field in layout.fields]
        written = [
            (p.params.get("TYPE"), p.params.get("VALUE"), p.value)
            for p in card.contents.get(name.lower(), [])
        ]
        assert written == [multi_as_written(field, v) for v in released]
        expected_names += [name] * len(released)
    for field, name in SINGLE_PROPERTIES.items():
        if field not in given or field not in layout.fields:
            continue
        expected_names.append(name)
        written = card.contents[name.lower()][0]
        if field is Field.COMPANY:
            assert written.value == [given[field]]
        elif field is Field.ADDRESS:
            assert written.value.street == given[field]
        elif field is Field.BIRTHDAY:
            raw = next(v.value for v in record.values if v.field is Field.BIRTHDAY)
            assert (written.params.get("VALUE"), written.value) == birthday_as_written(raw)
        else:
            assert written.value == given[field]
    assert property_names(card) == sorted(expected_names)


# No restriction for vobject beyond the shared one (no surrogates, no NUL): it
# gives back leading and trailing spaces, tabs, control characters, U+0085 and
# U+2028 exactly. The only loss is vCard's own: CR, LF and CRLF share one escape.
@settings(max_examples=100)
@given(exports())
def test_any_values_come_back_from_a_vcard_reader(export_input):
    layout, records = export_input
    data = export("vcard", records, layout)
    for line in physical_lines(data) if records else []:
        assert len(line) <= 75
        line.decode("utf-8")
    cards = read_cards(data)
    assert len(cards) == len(records)
    for card, record in zip(cards, records, strict=True):
        assert_card_holds(card, record, layout)


@pytest.mark.parametrize("text", ["١٩٩٠-٠١-٠٢", "2020-99-99", "1990-02-30"])
def test_a_birthday_that_is_not_a_real_iso_date_is_written_as_text(text):
    record = ContactRecord("c1", [ExportValue(Field.BIRTHDAY, None, text)])

    lines = card_lines(record, Layout((Field.BIRTHDAY,)))

    assert f"BDAY;VALUE=text:{text}" in lines
