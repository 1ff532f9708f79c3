"""The collector's threshold is raised for a whole export stream and always put back."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from app.gc_tuning import BULK_THRESHOLD, streaming_with_fewer_collections


def test_the_threshold_stays_raised_while_the_consumer_holds_each_item() -> None:
    before = gc.get_threshold()
    seen = [gc.get_threshold()[0] for _ in streaming_with_fewer_collections(iter(range(3)))]
    assert seen == [BULK_THRESHOLD] * 3
    assert gc.get_threshold() == before


def test_a_stream_closed_half_way_puts_the_threshold_back() -> None:
    before = gc.get_threshold()
    stream = streaming_with_fewer_collections(iter(range(10)))
    next(stream)
    assert gc.get_threshold()[0] == BULK_THRESHOLD
    stream.close()  # what a web server does with a response it stops sending
    assert gc.get_threshold() == before


def test_a_failing_stream_puts_the_threshold_back() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise RuntimeError("the database went away")

    before = gc.get_threshold()
    stream = streaming_with_fewer_collections(failing())
    next(stream)
    with pytest.raises(RuntimeError, match="went away"):
        next(stream)
    assert gc.get_threshold() == before


def test_overlapping_streams_keep_it_raised_until_the_last_ends() -> None:
    before = gc.get_threshold()
    first = streaming_with_fewer_collections(iter(range(5)))
    second = streaming_with_fewer_collections(iter(range(5)))
    next(first)
    next(second)
    first.close()
    assert gc.get_threshold()[0] == BULK_THRESHOLD
    second.close()
    assert gc.get_threshold() == before
