"""The benchmarks still run (on tiny inputs). They are measured by hand, not here."""

from __future__ import annotations

import json
import sys

from bench import decisions


def test_decisions_benchmark_prints_a_json_summary(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["bench.decisions", "--subjects", "50", "--repeat", "1"])
    decisions.main()
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["decisions"] == 50 * decisions.VALUES_PER_SUBJECT
    assert summary["decisions_per_second"] > 0
    assert summary["ratio"] > 0


def test_engine_and_baseline_see_every_value():
    records = decisions.make_records(20)
    assert (
        decisions.engine(records)
        == decisions.baseline(records)
        == 20 * decisions.VALUES_PER_SUBJECT
    )
