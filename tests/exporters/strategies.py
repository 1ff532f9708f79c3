"""Hypothesis strategies for exporter inputs: layouts and records full of hostile text."""

from __future__ import annotations

from hypothesis import strategies as st

from exporters import ContactRecord, ExportValue, Layout
from permissions import Field

CATALOG = list(Field)

# Anything a member could type, in every script and plane, with control
# characters and every kind of line break; but no lone surrogates (they have
# no UTF-8 encoding) and no NUL (PostgreSQL text columns cannot hold it).
any_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))

# Pieces that have broken CSV, vCard or JSON writers before: formula prefixes,
# quotes and separators, escapes, line breaks of all kinds, vCard keywords,
# non-Latin text and emoji.
HOSTILE_PIECES = (
    "=1+1",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\n",
    "\r\n",
    '"',
    "'",
    ",",
    ";",
    ":",
    "\\",
    "\\n",
    " ",
    "END:VCARD",
    "BEGIN:VCARD",
    "漢字",
    "Ελληνικά",
    "😀",
    "👩‍👩‍👧",
    "\u2028",
    "\x85",
)
hostile_text = st.lists(st.sampled_from(HOSTILE_PIECES) | any_text, max_size=30).map("".join)
values = any_text | hostile_text
# Phone numbers as the app stores them once valid: E.164, "+" and 1 to 15
# digits, the first not 0. Written out here, not taken from exporters/.
e164_numbers = st.from_regex(r"\+[1-9][0-9]{0,14}", fullmatch=True)
one_line_values = values.map(lambda text: text.replace("\r", " ").replace("\n", " "))

contact_ids = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=24)

layouts = st.sets(st.sampled_from(CATALOG), min_size=1).map(
    lambda chosen: Layout(tuple(field for field in CATALOG if field in chosen))
)


@st.composite
def records(
    draw: st.DrawFn, layout: Layout, shared_cell_values: st.SearchStrategy[str] = values
) -> ContactRecord:
    """A contact with values for some of the layout's fields, in any order.

    ``shared_cell_values`` is drawn for a label that gets two or more values:
    CSV puts those in one cell and cannot hold a line break inside them.
    """
    released = []
    for field in layout.fields:
        if field.multi_valued:
            for label in field.labels:
                count = draw(st.integers(0, 3))
                kind = values if count == 1 else shared_cell_values
                if field is Field.PHONE:
                    kind = e164_numbers | kind
                released += [ExportValue(field, label, draw(kind)) for _ in range(count)]
        elif draw(st.booleans()):
            released.append(ExportValue(field, None, draw(values)))
    return ContactRecord(draw(contact_ids), draw(st.permutations(released)))


@st.composite
def exports(
    draw: st.DrawFn, shared_cell_values: st.SearchStrategy[str] = values
) -> tuple[Layout, list[ContactRecord]]:
    """A layout and a few records for it."""
    layout = draw(layouts)
    return layout, draw(st.lists(records(layout, shared_cell_values), max_size=4))
