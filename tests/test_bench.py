"""The benchmark keeps working: run it at its tiny size and check the report's shape (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_tiny_size_reports_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--size", "T", "--json", str(out)],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["size"] == "T" and doc["clusters"] == 30
    for step in ("build", "xlsxwriter", "calamine", "pandas", "validate", "validate_edited", "merge_dry_run", "merge"):
        assert doc["seconds"][step] > 0 and doc["peak_rss_mb"][step] > 0
    assert set(doc["ratios"]) == {"build_vs_xlsxwriter", "validate_vs_calamine", "validate_vs_pandas",
                                  "merge_vs_validate"}
    details = doc["details"]
    assert details["validate"]["errors"] == 0  # the untouched workbook is clean
    assert details["merge"]["applied"] and 0 < details["merge"]["changes"] <= details["edit"]["cells_changed"]
    assert details["build"]["notes"] > 0 and details["build"]["parts"] > details["xlsxwriter"]["parts"]
    assert "ratios:" in result.stdout and "cell notes" in result.stdout
