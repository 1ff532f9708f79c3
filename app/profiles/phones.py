"""Phone numbers: checked by libphonenumber, stored in E.164, shown the way people write them.

E.164 ("+442079460991") is one spelling per number: duplicates are found,
exports carry a number every CRM can import, and a vCard can hold it as a
``tel:`` URI. Pages show the international format ("+44 20 7946 0991").
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

# Digits (any script: libphonenumber reads them), spaces and the usual
# separators, after an optional "+". No letters: "1-800-FLOWERS" and "ext. 12"
# would parse, but an E.164 number can hold neither a word nor an extension.
_PHONE_CHARS = re.compile(r"[+\uff0b]?[\d ().\-/]+")
EXAMPLE = "+44 20 7946 0991"
_NOT_VALID = "That is not a valid phone number: check the country code and the digits."


class InvalidPhoneNumber(ValueError):
    """Text that is not a phone number Fieldgate can store; the message says why."""


def to_e164(raw: str) -> str:
    """The number in E.164 form: "+44 20 7946 0991" -> "+442079460991".

    A number must start with + and its country code: without one, its
    country would be a guess.

    Raises:
        InvalidPhoneNumber: no leading +, other characters than digits and
            separators, or not a number in use in the country it names.
    """
    text = raw.strip()
    if not text.startswith(("+", "\uff0b")):
        raise InvalidPhoneNumber(f"Start with + and the country code, e.g. {EXAMPLE}.")
    if not _PHONE_CHARS.fullmatch(text):
        raise InvalidPhoneNumber("A phone number holds digits, spaces, ( ) - . / and a leading +.")
    try:
        number = phonenumbers.parse(text, None)
    except NumberParseException as exc:
        raise InvalidPhoneNumber(_NOT_VALID) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(_NOT_VALID)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def for_people(stored: str) -> str:
    """A stored number as people write it ("+44 20 7946 0991").

    A value stored before numbers were kept in E.164, and that could not be
    converted, is shown as it was typed.
    """
    try:
        number = phonenumbers.parse(stored, None)
    except NumberParseException:
        return stored
    if not phonenumbers.is_valid_number(number):
        return stored
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
