"""The benchmark keeps working: run it at its tiny size and check the report's shape (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_tiny_size_reports_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--size", "T", "--repeat", "1",
                             "--json", str(out)],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["size"] == "T" and doc["clusters"] == 30
    for step in ("build", "xlsxwriter", "calamine", "pandas", "validate", "validate_edited", "merge_dry_run", "merge",
                 "round_open", "merge_folder", "status", "report", "report_trends", "startup_imports",
                 "startup_help", "records", "frames", "export_xlsx",
                 "startup_status"):
        assert doc["seconds"][step] > 0 and doc["peak_rss_mb"][step] > 0, step
    assert set(doc["ratios"]) == {"build_vs_xlsxwriter", "validate_vs_calamine", "validate_vs_pandas",
                                  "merge_vs_validate", "merge_folder_vs_merge", "status_vs_merge_folder",
                                  "report_vs_build", "report_trends_vs_build", "help_vs_imports",
                                  "status_vs_imports", "frames_vs_records", "export_xlsx_vs_build"}
    details = doc["details"]
    # the campaign: every region's file came back and merged, with the same edits as the one workbook
    assert details["merge_folder"]["files"] == 3 and details["merge_folder"]["applied"] == 3
    assert details["merge_folder"]["changes"] == details["merge"]["changes"]
    assert details["status"]["merged"] == 3 and details["report"]["charts"] >= 5
    assert details["report_trends"]["rounds"] == 3 and details["report_trends"]["merged_late"] > 0
    assert details["validate"]["errors"] == 0  # the untouched workbook is clean
    assert details["merge"]["applied"] and 0 < details["merge"]["changes"] <= details["edit"]["cells_changed"]
    assert details["build"]["notes"] > 0 and details["build"]["parts"] > details["xlsxwriter"]["parts"]
    assert "ratios:" in result.stdout and "cell notes" in result.stdout


def test_bench_runs_the_store_steps_on_postgresql_too(tmp_path, pg_server):
    out = tmp_path / "bench.json"
    pg_server.create_database("bench")
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--size", "T", "--repeat", "1",
                             "--store", pg_server.url("bench"), "--json", str(out)],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    doc = json.loads(out.read_text(encoding="utf-8"))
    for step in ("validate_pg", "merge_pg", "merge8_sqlite_seq", "merge8_sqlite_conc", "merge8_pg_seq",
                 "merge8_pg_conc"):
        assert doc["seconds"][step] > 0, step
    assert set(doc["postgresql"]) == {"validate_pg_vs_sqlite", "merge_pg_vs_sqlite",
                                      "merge8_pg_concurrent_vs_sequential", "merge8_sqlite_concurrent_vs_sequential",
                                      "validate8_pg_concurrent_vs_sequential"}
    details = doc["details"]
    assert details["validate_pg"]["errors"] == 0 and details["merge_pg"]["applied"]
    assert details["merge_pg"]["changes"] == details["merge"]["changes"]
    assert details["merge8_pg_conc"]["files"] == 3  # T has three regions
    assert pg_server.password not in result.stdout + result.stderr
    assert "PostgreSQL, against SQLite in the same run:" in result.stdout


def test_bench_of_the_portal_reports_every_figure(tmp_path):
    """The portal's bench at three offices: every upload answered with its own verdict, every figure reported."""
    out = tmp_path / "portal.json"
    result = subprocess.run([sys.executable, "-m", "bench.portal", "--offices", "3", "--json", str(out)],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["offices"] == 3
    assert set(doc["ratios"]) == {"upload_vs_cli_validate", "offices20_concurrent_vs_sequential", "first_answer_s",
                                  "peak_rss_mb"}
    assert all(doc[k] > 0 for k in ("cli_validate_s", "upload_s", "sequential_s", "concurrent_s", "peak_rss_mb"))
    assert "target ≤" in result.stdout
