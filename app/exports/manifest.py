"""The manifest: counts of what an export holds and what it withheld, never a value."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from permissions import Field, Outcome, Purpose, Reason
from permissions.vocabulary import CONTACT_DETAIL_FIELDS


@dataclass(slots=True)
class ManifestTally:
    """Counts built up chunk by chunk as an export (or its preview) is decided."""

    format: str
    purpose: Purpose
    fields: Sequence[Field]
    selected: int = 0
    contacts: int = 0
    with_contact_details: int = 0
    left_out: Counter[Reason] = field(default_factory=Counter)
    released: Counter[Field] = field(default_factory=Counter)
    withheld: defaultdict[Field, Counter[Reason]] = field(
        default_factory=lambda: defaultdict(Counter)
    )

    def add(self, outcomes: Iterable[Outcome]) -> None:
        """Count one batch of the engine's outcomes."""
        released, withheld = self.released, self.withheld
        for outcome in outcomes:
            self.selected += 1
            if outcome.subject_reason is not None:
                self.left_out[outcome.subject_reason] += 1
                continue
            self.contacts += 1
            reachable = False
            for value in outcome.released:
                released[value.field] += 1
                reachable = reachable or value.field in CONTACT_DETAIL_FIELDS
            self.with_contact_details += reachable
            for value, reason in outcome.withheld:
                withheld[value.field][reason] += 1

    def document(self, generated_at: datetime) -> dict[str, Any]:
        """The manifest as a JSON-ready mapping."""
        return {
            "generated_at": generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "format": self.format,
            "purpose": self.purpose.value,
            "contacts_selected": self.selected,
            "contacts": self.contacts,
            "contacts_with_contact_details": self.with_contact_details,
            "left_out": {r.value: n for r, n in sorted(self.left_out.items())},
            "fields": [f.value for f in self.fields],
            "released_values": {f.value: self.released[f] for f in self.fields},
            "withheld_values": {
                f.value: {r.value: n for r, n in sorted(self.withheld[f].items())}
                for f in self.fields
                if self.withheld[f]
            },
        }
