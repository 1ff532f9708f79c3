"""Fewer garbage-collector passes while a bulk step allocates many small objects.

An export chunk builds hundreds of thousands of short-lived tuples (values,
records, event rows). None of them form reference cycles, so reference
counting frees them; but every 700 allocations CPython's cyclic collector
runs anyway, and its older generations walk every live object of the app.
bench/export.py measured this at more than half the cost of loading values.

:func:`fewer_collections` raises the first-generation threshold for the
duration of a bulk step (an export's whole stream) and puts it back after.
It never disables the collector: cycles are still found, only less often.
It is process-wide, so overlapping steps in several threads are counted and
the threshold is restored when the last one ends. No library offers this; it is a few lines
around :func:`gc.set_threshold`.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

# High enough that a chunk of 5,000 contacts (some 40,000 values, each a few
# tuples) runs without a pass: a pass in mid-chunk walks every object the
# chunk holds alive, while one at its end finds them already freed. At
# 50,000 passes ran inside chunks; 1,000,000 made an export of 30,000 contacts
# about 8 % faster on PostgreSQL (bench/export.py, same run).
BULK_THRESHOLD = 1_000_000
T = TypeVar("T")

_lock = threading.Lock()
_active = 0
_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the block with the collector's first threshold raised to BULK_THRESHOLD."""
    global _active, _saved
    with _lock:
        if _active == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(BULK_THRESHOLD, _saved[0]), *_saved[1:])
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                gc.set_threshold(*_saved)


def streaming_with_fewer_collections(steps: Iterator[T]) -> Iterator[T]:
    """Yield from ``steps`` under :func:`fewer_collections`, from the first item to the last.

    The threshold stays raised while the consumer holds an item, too (a web
    server writing it to the client): an export decides 5,000 contacts at
    once and writes them out as some ten pieces, so the chunk's objects live
    across many steps. Restoring the threshold between steps made the
    collector walk all of them after the first piece, and again in the older
    generation: about a tenth of a CSV export of 30,000 contacts on SQLite
    (bench/export.py, per-step against whole-stream, same run, 1.66 against
    1.53 times the floor). Collections still run, every BULK_THRESHOLD
    allocations. The threshold comes back when the stream ends or is closed:
    web servers close a response's iterable, and a generator dropped
    unfinished is closed when it is freed.
    """
    with fewer_collections():
        yield from steps
