"""Phone numbers: E.164 to store, the international format to show."""

from __future__ import annotations

import pytest

from app.profiles.phones import InvalidPhoneNumber, for_people, to_e164


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("+44 20 7946 0991", "+442079460991", "+44 20 7946 0991"),
        ("+12025550123", "+12025550123", "+1 202-555-0123"),
        ("+61491570156", "+61491570156", "+61 491 570 156"),
        ("+49 30 23125 123", "+493023125123", "+49 30 23125123"),
    ],
)
def test_stored_in_e164_and_shown_the_way_people_write_it(typed, stored, shown):
    assert to_e164(typed) == stored
    assert for_people(stored) == shown


@pytest.mark.parametrize("legacy", ["+68 364 8045862", "020 7946 0991", "call me", ""])
def test_a_value_that_is_not_a_valid_number_is_shown_as_stored(legacy):
    assert for_people(legacy) == legacy


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("07946 0991", r"Start with \+ and the country code"),
        ("+", "digits, spaces"),
        ("+44 20 7946 0991 x12", "digits, spaces"),
        ("+999 123 456", "not a valid phone number"),
        ("+44 20", "not a valid phone number"),
    ],
)
def test_what_cannot_be_stored_is_refused_with_why(typed, message):
    with pytest.raises(InvalidPhoneNumber, match=message):
        to_e164(typed)
