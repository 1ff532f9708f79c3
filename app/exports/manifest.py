"""The manifest: counts of what an export holds and what it left out, never a value or a who.

A manifest must never tell the requester who withheld what. So:

- reasons that are a member's own choice (they objected to the purpose, did
  not opt in to marketing, keep themselves out of the requester's exports, or
  blocked the app) are one bucket, "by their own choice", never told apart;
- a contact who allows nothing of the chosen fields to be downloaded is left
  out (no blank row, no nameless card) and counted as "nothing you may
  download";
- for a selection of fewer than :data:`MIN_PEOPLE_FOR_REASONS` people, no
  reasons and no per-field withheld counts are given at all: with one or two
  people ticked, "2 e-mails withheld" would say what one person hides;
- nor for people ticked by hand or found by name, however many: the
  requester could preview five people, then the same five and one more, and
  the difference would be that one person's choices. Reasons are given only
  for "all my connections", a set the requester cannot shape at will.

Every number says what it counts: people, or values (one person may have
several e-mails). Old manifests stored before these rules are shown through
:func:`safe_manifest`, which applies them too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from permissions import Field, Outcome, Purpose, Reason
from permissions.vocabulary import CONTACT_DETAIL_FIELDS

MIN_PEOPLE_FOR_REASONS = 5
VERSION = 2

# Why people are left out, as the requester is told.
OWN_CHOICE = "own_choice"
NOTHING_DOWNLOADABLE = "nothing_downloadable"
QUOTA = "quota"
LEFT_OUT_TEXT = {
    OWN_CHOICE: "by their own choice",
    NOTHING_DOWNLOADABLE: "nothing you may download",
    QUOTA: "over your daily limit",
}
_BUCKET = {
    Reason.PURPOSE: OWN_CHOICE,
    Reason.SUPPRESSED: OWN_CHOICE,
    Reason.APP_BLOCKED: OWN_CHOICE,
    Reason.QUOTA: QUOTA,
}
# Why values of included people are withheld.
THEIR_SETTINGS = "their_settings"
APP_SCOPE = "app_scope"
WITHHELD_TEXT = {
    THEIR_SETTINGS: "not allowed in downloads",
    APP_SCOPE: "outside the app's permissions",
}


def bucket_of(reason: Reason) -> str:
    """The left-out bucket a subject-level reason is counted in."""
    return _BUCKET.get(reason, OWN_CHOICE)


def included(outcome: Outcome) -> bool:
    """True if the contact goes into the file: not refused whole, and something released."""
    return not outcome.left_out and bool(outcome.released)


@dataclass(slots=True)
class ManifestTally:
    """Counts built up chunk by chunk as an export (or its preview) is decided."""

    format: str
    purpose: Purpose
    fields: Sequence[Field]
    chosen_by_hand: bool = False  # people ticked or found by name: no reasons (see above)
    selected: int = 0
    contacts: int = 0
    with_contact_details: int = 0
    left_out: Counter[str] = field(default_factory=Counter)
    released: Counter[Field] = field(default_factory=Counter)
    withheld: Counter[tuple[Field, str]] = field(default_factory=Counter)

    def add(self, outcomes: Iterable[Outcome]) -> None:
        """Count one batch of the engine's outcomes."""
        # The batch's keys are gathered in lists and counted at the end with
        # one Counter.update each (counted in C): per-value increments were
        # about 6 % of an export's time under cProfile (bench/export.py).
        released: list[Field] = []
        withheld: list[tuple[Field, str]] = []
        for outcome in outcomes:
            self.selected += 1
            if outcome.subject_reason is not None:
                self.left_out[bucket_of(outcome.subject_reason)] += 1
                continue
            if not outcome.released:
                self.left_out[NOTHING_DOWNLOADABLE] += 1
                continue
            self.contacts += 1
            fields = [value.field for value in outcome.released]
            released += fields
            if not CONTACT_DETAIL_FIELDS.isdisjoint(fields):
                self.with_contact_details += 1
            withheld += [
                (value.field, APP_SCOPE if reason is Reason.SCOPE else THEIR_SETTINGS)
                for value, reason in outcome.withheld
            ]
        self.released.update(released)
        self.withheld.update(withheld)

    def document(self, generated_at: datetime) -> dict[str, Any]:
        """The manifest as a JSON-ready mapping, with the privacy rules above applied."""
        return _document(
            generated_at=generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            format_=self.format,
            purpose=self.purpose.value,
            fields=[f.value for f in self.fields],
            selected=self.selected,
            contacts=self.contacts,
            with_contact_details=self.with_contact_details,
            left_out=dict(self.left_out),
            released={f.value: self.released[f] for f in self.fields},
            withheld={(f.value, kind): n for (f, kind), n in self.withheld.items()},
            chosen_by_hand=self.chosen_by_hand,
        )


def _document(
    *,
    generated_at: str,
    format_: str,
    purpose: str,
    fields: list[str],
    selected: int,
    contacts: int,
    with_contact_details: int,
    left_out: Mapping[str, int],
    released: Mapping[str, int],
    withheld: Mapping[tuple[str, str], int],
    chosen_by_hand: bool = False,
) -> dict[str, Any]:
    show_reasons = selected >= MIN_PEOPLE_FOR_REASONS and not chosen_by_hand
    withheld_by_field: dict[str, dict[str, int]] = {}
    for (name, kind), n in withheld.items():
        withheld_by_field.setdefault(name, {})[kind] = n
    return {
        "version": VERSION,
        "generated_at": generated_at,
        "format": format_,
        "purpose": purpose,
        "fields": fields,
        "people": {
            "selected": selected,
            "included": contacts,
            "with_contact_details": with_contact_details,
            "left_out": selected - contacts,
            "left_out_by_reason": dict(sorted(left_out.items())) if show_reasons else None,
        },
        "values": {
            "included": {name: released.get(name, 0) for name in fields},
            "withheld": (
                {name: withheld_by_field[name] for name in fields if name in withheld_by_field}
                if show_reasons
                else None
            ),
        },
        "note": (
            "Counts only: 'people' counts each contact once; 'values' counts each value "
            "(one person may have several e-mails). Reasons and withheld values are given "
            f"only for all your connections, {MIN_PEOPLE_FOR_REASONS} people or more, and a "
            "member's own choices are never told apart."
        ),
    }


def safe_manifest(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored manifest as shown today: version 2 as is, version 1 (before these rules) converted.

    Version 1 named each member's reason and showed withheld counts for any
    selection; converting them on the way out applies the rules to the history too.
    It did not store how its people were chosen, so each is converted as if
    they were ticked by hand: no reasons, however many (an old export of
    people ticked by hand kept its reasons when converted as "all my
    connections"; found by review).
    """
    if stored.get("version") == VERSION:
        return dict(stored)
    fields = list(stored.get("fields", []))
    left_out: Counter[str] = Counter()
    for reason, n in stored.get("left_out", {}).items():
        left_out[bucket_of(Reason(reason))] += int(n)
    withheld: Counter[tuple[str, str]] = Counter()
    for name, reasons in stored.get("withheld_values", {}).items():
        for reason, n in reasons.items():
            kind = APP_SCOPE if reason == Reason.SCOPE.value else THEIR_SETTINGS
            withheld[name, kind] += int(n)
    return _document(
        generated_at=str(stored.get("generated_at", "")),
        format_=str(stored.get("format", "")),
        purpose=str(stored.get("purpose", "")),
        fields=fields,
        selected=int(stored.get("contacts_selected", 0)),
        contacts=int(stored.get("contacts", 0)),
        with_contact_details=int(stored.get("contacts_with_contact_details", 0)),
        left_out=left_out,
        released=dict(stored.get("released_values", {})),
        withheld=withheld,
        chosen_by_hand=True,  # unknown in version 1: the rule that tells the least
    )
