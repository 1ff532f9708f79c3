"""The column layout every tabular export shares."""

from __future__ import annotations

from exporters import Layout
from permissions import Field


def test_columns_start_with_the_contact_id_and_use_field_titles():
    layout = Layout((Field.FIRST_NAME, Field.LAST_NAME, Field.BIRTHDAY))
    assert layout.columns() == ["Contact id", "First name", "Last name", "Birthday"]


def test_multi_valued_fields_get_one_column_per_label():
    layout = Layout((Field.FIRST_NAME, Field.EMAIL, Field.PHONE, Field.COMPANY))
    assert layout.columns() == [
        "Contact id",
        "First name",
        "E-mail (personal)",
        "E-mail (work)",
        "E-mail (other)",
        "Phone (personal)",
        "Phone (work)",
        "Phone (mobile)",
        "Phone (other)",
        "Company",
    ]


def test_an_empty_layout_still_has_the_id_column():
    assert Layout(()).columns() == ["Contact id"]


def test_every_field_of_the_catalog_has_its_columns():
    columns = Layout(tuple(Field)).columns()
    # the id, nine single fields, e-mail and website as personal, work or
    # other, and a phone as any of those or mobile
    assert len(columns) == 1 + 9 + 3 + 3 + 4
    assert len(set(columns)) == len(columns)
    assert {"Website (work)", "Phone (mobile)"} <= set(columns)
    assert "E-mail (mobile)" not in columns
