"""How a past export run reads to its requester: a run nothing settled is not "running" for good."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.models.exports import ExportRun

# An export decides and logs a chunk of 5,000 people in well under a minute; a
# run still "running" an hour after it started has lost the worker streaming it.
INTERRUPTED_AFTER = timedelta(hours=1)

RUNNING = "running"
INTERRUPTED = "interrupted"


def run_status(run: ExportRun, now: datetime) -> str:
    """The run's status as its history shows it: ``interrupted`` for one nothing settled.

    A worker that dies mid-stream, or a download dropped before its body
    started, never records how the run ended, so it read "in progress" for
    good (found by review). Decided when shown, nothing is written: the run
    keeps what it recorded and its access events stay as they were.
    """
    if run.status == RUNNING and now - run.started_at >= INTERRUPTED_AFTER:
        return INTERRUPTED
    return run.status
