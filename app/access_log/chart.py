"""The 90-day chart of accesses, as SVG geometry the template draws (no script, no CDN)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

WIDTH = 720
HEIGHT = 160
AXIS = 24  # room under the bars for the date labels


@dataclass(frozen=True, slots=True)
class Bar:
    """One day's bar."""

    x: float
    y: float
    width: float
    height: float
    day: date
    count: int


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything the SVG needs: bars, date ticks, the scale and a text summary."""

    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    peak: int
    total: int


def access_chart(counts: Sequence[tuple[date, int]]) -> Chart:
    """Lay out one bar per day, scaled to the busiest day, with a tick every 15 days."""
    peak = max((n for _, n in counts), default=0)
    slot = WIDTH / max(len(counts), 1)
    plot = HEIGHT - AXIS
    bars = []
    for i, (day, n) in enumerate(counts):
        h = 0.0 if peak == 0 else max(2.0, plot * n / peak) if n else 0.0
        bars.append(Bar(round(i * slot, 2), round(plot - h, 2), round(slot * 0.75, 2), h, day, n))
    ticks = [
        (round(i * slot, 2), f"{day:%d %b}") for i, (day, _) in enumerate(counts) if i % 15 == 0
    ]
    return Chart(WIDTH, HEIGHT, bars, ticks, peak, sum(n for _, n in counts))
