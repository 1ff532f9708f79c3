"""The benchmarks still run (on tiny inputs). They are measured by hand, not here."""

from __future__ import annotations

import json
import os
import sys

from bench import accesslog_read, accesslog_write, api, decisions, export


def _database_like_the_suite(monkeypatch) -> None:
    """The scratch database is of the kind the suite runs on: SQLite, or a
    schema of its own on the suite's PostgreSQL."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url:
        monkeypatch.setenv("DATABASE_URL", url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)


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


def test_export_benchmark_prints_a_json_summary(monkeypatch, capsys):
    _database_like_the_suite(monkeypatch)
    monkeypatch.setattr(
        sys, "argv", ["bench.export", "--contacts", "30", "--format", "csv", "--repeat", "1"]
    )
    export.main()
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"contacts", "format", "seconds", "floor_seconds", "ratio", "peak_rss_mb"} <= set(
        summary
    )
    assert summary["contacts"] == 30
    assert summary["format"] == "csv"
    assert summary["bytes"] > 0
    assert summary["ratio"] > 0


def test_accesslog_write_benchmark_prints_a_json_summary(monkeypatch, capsys):
    _database_like_the_suite(monkeypatch)
    accesslog_write.main(["--seconds", "0.5", "--writers", "1"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["tx_per_s_1"] > 0 and summary["tx_per_s_8"] > 0
    assert summary["floor_tx_per_s_8"] > 0 and summary["ratio"] > 0
    assert summary["floor_tx_per_s_1"] > 0 and summary["floor_scaling"] > 0
    assert summary["backlog_drain_s"] >= 0


def test_api_benchmark_prints_a_json_summary(monkeypatch, capsys):
    _database_like_the_suite(monkeypatch)
    tiny = "--contacts 20 --workers 1 --concurrency 1 --seconds 0.5 --warmup 0.2"
    api.main(tiny.split())
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"rps", "p99_ms", "baseline_rps", "baseline_p99_ms", "ratio"} <= set(summary)
    assert summary["rps"] > 0 and summary["baseline_rps"] > 0 and summary["errors"] == 0
    assert summary["bytes"] > 1000  # 20 connections' JSON, the same for both endpoints
    assert summary["floor_rps"] > 0 and summary["floor_ratio"] > 0
    assert summary["ratio_to_floor"] == round(summary["rps"] / summary["floor_rps"], 3)


def test_accesslog_read_benchmark_prints_a_json_summary(monkeypatch, capsys):
    _database_like_the_suite(monkeypatch)
    accesslog_read.main(
        ["--members", "40", "--events", "3000", "--heavy-events", "600", "--repeat", "2"]
    )
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for item in ("page", "page_older", "filtered_page", "csv_month", "chart", "inclusion_proof"):
        assert 0 < summary[item]["p50_ms"] <= summary[item]["p95_ms"]
    assert summary["inclusion_proof"]["verified"] == 2
    assert summary["csv_month"]["rows"] > 0
    assert summary["digest"]["members"] > 0 and summary["seed_seconds"] > 0
