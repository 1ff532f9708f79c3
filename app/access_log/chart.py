"""The 90-day chart of accesses, as SVG geometry the template draws (no script, no CDN)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

WIDTH = 720
PLOT = 136  # the bars' height in the chart's units; the axis line is drawn under them
HEIGHT = PLOT + 1  # room for the axis line's stroke


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
    """Everything the SVG needs: bars, date ticks, the scale and a text summary.

    A tick's place is a percentage of the chart's width, not a unit of its
    viewBox: the date labels are drawn outside it, at the page's own size,
    because the viewBox shrank them with the bars to 8px on a phone (found
    by review).
    """

    width: int
    height: int
    plot: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    peak: int
    total: int


def access_chart(counts: Sequence[tuple[date, int]]) -> Chart:
    """Lay out one bar per day, scaled to the busiest day, with a tick every 15 days."""
    peak = max((n for _, n in counts), default=0)
    days = max(len(counts), 1)
    slot = WIDTH / days
    bars = []
    for i, (day, n) in enumerate(counts):
        h = 0.0 if peak == 0 else max(2.0, PLOT * n / peak) if n else 0.0
        bars.append(Bar(round(i * slot, 2), round(PLOT - h, 2), round(slot * 0.75, 2), h, day, n))
    ticks = [
        (round(100 * i / days, 2), f"{day:%d %b}")
        for i, (day, _) in enumerate(counts)
        if i % 15 == 0
    ]
    return Chart(WIDTH, HEIGHT, PLOT, bars, ticks, peak, sum(n for _, n in counts))
