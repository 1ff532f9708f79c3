"""CSV: RFC 4180 framing, byte-order mark, formula injection, shared cells, streaming."""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exporters import ContactRecord, ExportValue, Layout, get_exporter, neutralise
from permissions import Field, ValueLabel
from tests.exporters.strategies import e164_numbers, exports, one_line_values, values
from tests.exporters.streams import WatchedRecords, WatchingManifest, export, numbered_records

BOM = codecs.BOM_UTF8
# OWASP "CSV Injection": what a spreadsheet may take for the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

NAMES = Layout((Field.FIRST_NAME, Field.LAST_NAME))
CONTACT = Layout((Field.FIRST_NAME, Field.COMPANY, Field.HEADLINE, Field.ADDRESS, Field.EMAIL))


def read_rows(data: bytes) -> list[list[str]]:
    """The rows of a CSV file, read by the standard library as a spreadsheet import would."""
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def as_dicts(data: bytes) -> list[dict[str, str]]:
    header, *rows = read_rows(data)
    return [dict(zip(header, row, strict=True)) for row in rows]


def is_plain_number(cell: str) -> bool:
    """A signed decimal in ASCII digits ("-12", "+442079460991", "3.5"): never a formula."""
    unsigned = cell[1:] if cell[:1] in ("+", "-") else cell
    whole, dot, fraction = unsigned.partition(".")
    parts = [whole, fraction] if dot else [whole]
    return all(part.isascii() and part.isdigit() for part in parts)


def spreadsheet_safe(cell: str) -> str:
    """The cell as the exporter must write it: quoted with ' if it could start a formula."""
    could_start_a_formula = cell[:1] != "" and cell[0] in "=+-@\t\r\n"
    return "'" + cell if could_start_a_formula and not is_plain_number(cell) else cell


# --- framing -------------------------------------------------------------------------


def test_header_row_is_the_layout_columns():
    rows = read_rows(export("csv", [], CONTACT))
    assert rows == [CONTACT.columns()]


def test_every_record_ends_with_crlf():
    records = [
        ContactRecord("c1", [ExportValue(Field.FIRST_NAME, None, "Ada")]),
        ContactRecord("c2", [ExportValue(Field.LAST_NAME, None, "Hopper")]),
    ]
    data = export("csv", records, NAMES)
    assert data == b"Contact id,First name,Last name\r\nc1,Ada,\r\nc2,,Hopper\r\n"


def test_no_bare_line_feed_or_carriage_return_outside_values():
    data = export("csv", numbered_records(20), NAMES)
    assert data.endswith(b"\r\n")
    assert b"\r" not in data.replace(b"\r\n", b"")
    assert b"\n" not in data.replace(b"\r\n", b"")


@pytest.mark.parametrize(
    "value",
    [
        'He said "hello"',
        "Smith, Jones & Co",
        "first line\nsecond line",
        "first line\r\nsecond line",
        "carriage\rreturn",
        '"quoted", with comma\r\nand break',
        "semi;colon",
        "  padded  ",
        "漢字 😀",
    ],
)
def test_separators_quotes_and_line_breaks_survive_a_spreadsheet_import(value):
    fields = (Field.FIRST_NAME, Field.COMPANY, Field.ADDRESS)
    record = ContactRecord("c1", [ExportValue(field, None, value) for field in fields])
    rows = read_rows(export("csv", [record], Layout(fields)))
    assert rows[1] == ["c1", value, value, value]


# --- byte-order mark -----------------------------------------------------------------


def test_no_byte_order_mark_by_default():
    data = export("csv", numbered_records(1_201), NAMES)
    assert BOM not in data
    assert data.startswith(b"Contact id,")


def test_byte_order_mark_only_at_the_very_start():
    chunks = list(get_exporter("csv", bom=True).stream(numbered_records(1_201), NAMES, dict))
    assert len(chunks) > 1
    assert chunks[0].startswith(BOM + b"Contact id,")
    assert all(BOM not in chunk for chunk in chunks[1:])
    assert b"".join(chunks).count(BOM) == 1


def test_byte_order_mark_is_written_for_an_empty_export_too():
    assert export("csv", [], NAMES, bom=True).startswith(BOM + b"Contact id,")


def test_spreadsheet_reading_utf8_sig_sees_a_clean_header():
    data = export("csv", numbered_records(1), NAMES, bom=True)
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert header == NAMES.columns()


# --- formula injection ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+31 20 555 0100", "'+31 20 555 0100"),
        ("+31205550100", "+31205550100"),
        ("+442079460991", "+442079460991"),
        ("-12", "-12"),
        ("+3.5", "+3.5"),
        ("42", "42"),
        ("+442079460991\n+33199001234", "'+442079460991\n+33199001234"),
        ("+1\n", "'+1\n"),
        ("-1+1", "'-1+1"),
        ("-1.", "'-1."),
        ("+.5", "'+.5"),
        ("+1e5", "'+1e5"),
        ("+١٢٣", "'+١٢٣"),
        ("-", "'-"),
        ("+", "'+"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\n=1+1", "'\n=1+1"),
        ("=", "'="),
        ("", ""),
        ("Ada", "Ada"),
        ("a=b+c", "a=b+c"),
        ("ada@example.org", "ada@example.org"),
        ("'=already quoted", "'=already quoted"),
    ],
)
def test_neutralise(cell, written):
    assert neutralise(cell) == written


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_cell_that_could_start_a_formula_is_quoted(start):
    hostile = start + "cmd|' /C calc'!A0"
    layout = Layout((Field.FIRST_NAME, Field.COMPANY, Field.EMAIL))
    record = ContactRecord(
        hostile,
        [
            ExportValue(Field.FIRST_NAME, None, hostile),
            ExportValue(Field.COMPANY, None, hostile),
            ExportValue(Field.EMAIL, ValueLabel.WORK, hostile),
        ],
    )
    (row,) = as_dicts(export("csv", [record], layout))
    for column in ("Contact id", "First name", "Company", "E-mail (work)"):
        assert row[column] == "'" + hostile, column


# --- several values of one kind ------------------------------------------------------


def test_values_with_the_same_label_share_one_cell_one_per_line():
    layout = Layout((Field.EMAIL,))
    record = ContactRecord(
        "c1",
        [
            ExportValue(Field.EMAIL, ValueLabel.WORK, "ada@work.example"),
            ExportValue(Field.EMAIL, ValueLabel.PERSONAL, "ada@home.example"),
            ExportValue(Field.EMAIL, ValueLabel.WORK, "lovelace@work.example"),
        ],
    )
    (row,) = as_dicts(export("csv", [record], layout))
    assert row == {
        "Contact id": "c1",
        "E-mail (personal)": "ada@home.example",
        "E-mail (work)": "ada@work.example\nlovelace@work.example",
        "E-mail (other)": "",
    }


@pytest.mark.parametrize("broken", ["two\nlines", "two\r\nlines", "two\rlines"])
def test_a_line_break_in_a_shared_cell_is_refused(broken):
    layout = Layout((Field.PHONE,))
    record = ContactRecord(
        "c1",
        [
            ExportValue(Field.PHONE, ValueLabel.WORK, "+31 20 555 0100"),
            ExportValue(Field.PHONE, ValueLabel.WORK, broken),
        ],
    )
    with pytest.raises(ValueError, match="Phone"):
        export("csv", [record], layout)


def test_a_line_break_in_a_value_alone_in_its_cell_is_kept():
    layout = Layout((Field.WEBSITE,))
    record = ContactRecord(
        "c1",
        [
            ExportValue(Field.WEBSITE, ValueLabel.WORK, "two\nlines"),
            ExportValue(Field.WEBSITE, ValueLabel.OTHER, "other"),
        ],
    )
    (row,) = as_dicts(export("csv", [record], layout))
    assert row["Website (work)"] == "two\nlines"
    assert row["Website (other)"] == "other"


# --- streaming -----------------------------------------------------------------------


def test_rows_are_streamed_in_chunks_and_the_manifest_comes_after_the_last():
    records = WatchedRecords(numbered_records(1_201))
    manifest = WatchingManifest(records)
    taken_when_written = []
    chunks = []
    for chunk in get_exporter("csv").stream(records, NAMES, manifest):
        taken_when_written.append(records.taken)
        chunks.append(chunk)
    assert len([chunk for chunk in chunks if chunk]) > 1
    assert taken_when_written[0] < 1_201
    assert manifest.calls == [(1_201, True)]
    rows = read_rows(b"".join(chunks))
    assert [row[0] for row in rows[1:]] == [f"c{i}" for i in range(1_201)]


# --- property ------------------------------------------------------------------------


@settings(max_examples=100)
@given(exports(shared_cell_values=one_line_values))
def test_any_values_come_back_from_a_spreadsheet_import(export_input):
    layout, records = export_input
    rows = read_rows(export("csv", records, layout))
    assert rows[0] == layout.columns()
    assert len(rows) == 1 + len(records)
    for record, row in zip(records, rows[1:], strict=True):
        expected = [record.contact_id] + [
            "\n".join(v.value for v in record.values if (v.field, v.label) == slot)
            for slot in layout.slots()
        ]
        assert row == [spreadsheet_safe(cell) for cell in expected]
        assert all(not c.startswith(FORMULA_STARTS) or is_plain_number(c) for c in row)


formula_like = st.builds(
    lambda start, rest: start + rest,
    st.sampled_from(FORMULA_STARTS),
    values | st.from_regex(r"[0-9.+\-=\n]*", fullmatch=True),
)


@settings(max_examples=500)
@given(formula_like | values)
def test_no_neutralised_cell_can_start_a_formula(cell):
    written = neutralise(cell)
    if cell.startswith(FORMULA_STARTS) and not is_plain_number(cell):
        assert written == "'" + cell
    else:
        assert written == cell
    (row,) = as_dicts(
        export(
            "csv",
            [ContactRecord("c1", [ExportValue(Field.COMPANY, None, cell)])],
            Layout((Field.COMPANY,)),
        )
    )
    assert not row["Company"].startswith(FORMULA_STARTS) or is_plain_number(row["Company"])


@settings(max_examples=200)
@given(st.lists(e164_numbers, min_size=1, max_size=3))
def test_e164_numbers_come_back_from_a_spreadsheet_import_unquoted(numbers):
    columns = dict(zip(["personal", "work", "mobile"], numbers, strict=False))
    record = ContactRecord(
        "c1", [ExportValue(Field.PHONE, ValueLabel(label), n) for label, n in columns.items()]
    )
    (row,) = as_dicts(export("csv", [record], Layout((Field.PHONE,))))
    assert {label: row[f"Phone ({label})"] for label in columns} == columns
