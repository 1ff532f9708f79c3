"""The labels each field takes (docs/privacy-model.md, "Vocabulary")."""

from __future__ import annotations

import pytest

from permissions import Field, ValueLabel


def test_only_a_phone_can_be_mobile():
    assert Field.PHONE.labels == ("personal", "work", "mobile", "other")
    assert Field.EMAIL.labels == ("personal", "work", "other")
    assert Field.WEBSITE.labels == ("personal", "work", "other")


@pytest.mark.parametrize("field", [f for f in Field if not f.multi_valued])
def test_a_single_valued_field_takes_no_label(field):
    assert field.labels == ()


def test_a_label_reads_as_a_form_offers_it():
    assert [label.caption for label in ValueLabel] == ["Personal", "Work", "Mobile", "Other"]
