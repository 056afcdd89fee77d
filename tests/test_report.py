"""The consolidated report, checked against `export` of the same store, as an analyst would check it."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from datetime import date, timedelta

import openpyxl
import pytest

from .conftest import IN_CI, SOFFICE, edit

pytestmark = pytest.mark.both_stores  # each test on SQLite and on PostgreSQL

SHEETS_ZH = ["概览", "制约因素", "建议落实", "目标进展", "变化", "趋势", "数据质量"]
SHEETS_EN = ["Overview", "Constraints", "Follow-up", "Targets", "Changes", "Trends", "Data quality"]


def run_json(env, *args: str, code: int = 0) -> dict:
    result = env.run(*args, "--format", "json")
    assert result.exit_code == code, result.stdout + result.stderr
    return json.loads(result.stdout)


def exported(env) -> dict:
    out = env.root / "export.json"
    assert env.run("export", "-o", str(out), "--format", "json").exit_code == 0
    return json.loads(out.read_text(encoding="utf-8"))


def expected_regions(data: dict) -> dict[str, dict]:
    """Per region, worked out from the export: counts, sums over the clusters that have a value."""
    out = {}
    for region in data["regions"]:
        rid = region["id"]
        clusters = [c for c in data["clusters"] if c["region"] == rid]
        row = {"clusters": len(clusters)}
        for key in ("enterprises", "employment", "output"):
            values = [c[key] for c in clusters if c.get(key) is not None]
            row[key] = sum(values) if values else None
        out[rid] = row
    return out


def expected_overdue(data: dict, today: date) -> list[tuple[str, int]]:
    return sorted(((r["id"], (today - date.fromisoformat(r["due_date"])).days) for r in data["recommendations"]
                   if r.get("due_date") and r.get("status") != "done" and date.fromisoformat(r["due_date"]) < today),
                  key=lambda x: (-x[1], x[0]))


def check_against_export(env) -> dict:
    fig = run_json(env, "report")
    data = exported(env)
    assert fig["revision"] == data["revision"]
    want = expected_regions(data)
    got = {r["region"]: {k: r[k] for k in ("clusters", "enterprises", "employment", "output")} for r in fig["regions"]}
    assert got == want
    # factor × region: clusters assessed, at severity 2 or 3, mean severity
    for c in fig["constraints"]:
        cells = [x["severity"] for x in data["constraints"]
                 if x["factor"] == c["factor"] and x["region"] == c["region"]]
        assert c["assessed"] == len(cells), c
        assert c["at_least_2"] == sum(1 for s in cells if s >= 2), c
        assert c["mean"] == (pytest.approx(sum(cells) / len(cells), abs=1e-3) if cells else None), c
    assert len(fig["constraints"]) == len(data["constraint_factors"]) * len(data["regions"])
    assert [(o["record"], o["days_overdue"]) for o in fig["overdue"]] == expected_overdue(data, date.today())
    for r in fig["regions"]:
        recs = [x for x in data["recommendations"] if x["region"] == r["region"]]
        assert sum(v for k, v in r["recommendations"].items() if k != "overdue") == len(recs)
    return fig


def test_report_figures_match_export_before_and_after_a_merge(env):
    env.build("wb.xlsx")
    fig = check_against_export(env)
    shaoxing = next(r for r in fig["regions"] if r["region"] == "SX")
    assert shaoxing["output"] is None and shaoxing["coverage"]["output"] == 0  # unknown, not 0
    assert set(fig) >= {"round", "revision", "regions", "constraints", "overdue", "targets", "changes"}
    assert fig["changes"] == [] and fig["round"] is None  # no round closed yet
    # a merge that changes figures, a severity and makes a measure overdue
    path = env.build("wb2.xlsx")
    edit(path, "inventory", "SX", "SX-C01", "产值（亿元）", 45.5)
    edit(path, "inventory", "XC", "XC-C02", "从业人数（人）", "1.2万")
    edit(path, "constraints", "GD", "GD-C01", "土地供给不足", 3)
    late = (date.today() - timedelta(days=12)).isoformat()
    edit(path, "recommendations", "XC", "XC-R01", "完成时限", late)
    edit(path, "recommendations", "XC", "XC-R01", "状态", "进行中")
    result = env.run("merge", str(path))
    assert result.exit_code == 0, result.stdout
    fig = check_against_export(env)
    assert next(r for r in fig["regions"] if r["region"] == "SX")["output"] == 45.5
    assert fig["overdue"][0]["record"] == "XC-R01" and fig["overdue"][0]["days_overdue"] == 12
    land = next(c for c in fig["constraints"] if c["factor"] == "land" and c["region"] == "GD")
    assert land["assessed"] == 1 and land["at_least_2"] == 1 and land["mean"] == 3


def test_since_a_closed_round_shows_exactly_the_merged_changes(env):
    opened = run_json(env, "round", "open", "R1", "--due", "2026-01-31", "-o", str(env.root / "R1"))
    assert env.run("round", "close", "R1").exit_code == 0
    path = env.build("wb.xlsx")
    edit(path, "inventory", "GD", "GD-C02", "企业数（家）", 210)
    edit(path, "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    edit(path, "recommendations", "JX", "JX-R01", "责任单位", "港区经发局")
    merged = run_json(env, "merge", str(path))["files"][0]
    assert merged["applied"]
    expected = sorted((c["entity"], c["record"], c["field"], c["old"], c["new"]) for c in merged["changes"])
    for args in ((), ("--since", "R1")):
        fig = run_json(env, "report", *args)
        assert fig["since"]["name"] == "R1"
        got = sorted((c["entity"], c["record"], c["field"], c["old"], c["new"]) for c in fig["changes"])
        assert got == expected
        assert {c["region"] for c in fig["changes"]} == {"GD", "XC", "JX"}
    # the closed round's own snapshot: the figures before the merge, and nothing to compare it with
    before = run_json(env, "report", "--round", "R1")
    assert before["round"]["name"] == "R1" and before["revision"] == before["round"]["closed_rev"] == 1
    assert len(opened["workbooks"]) == 5
    xc = next(r for r in before["regions"] if r["region"] == "XC")
    assert xc["employment"] == 32000 and before["changes"] == []
    xc_now = next(r for r in run_json(env, "report")["regions"] if r["region"] == "XC")
    assert xc_now["employment"] == 35000


def test_report_regions_and_usage_errors(env):
    fig = run_json(env, "report", "--region", "JX", "--region", "XC")
    assert [r["region"] for r in fig["regions"]] == ["JX", "XC"]
    assert {c["region"] for c in fig["constraints"]} == {"JX", "XC"}
    run_json(env, "round", "open", "R1", "--due", "2026-01-31", "-o", str(env.root / "R1"))
    for args in (["--region", "ZZ"], ["--round", "NOPE"], ["--since", "R1"]):  # R1 is open: no snapshot
        result = env.run("report", *args, "--format", "json")
        assert result.exit_code == 2 and result.stderr.strip() and "Traceback" not in result.output, args


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_workbook_has_six_sheets_native_charts_and_is_not_a_return(env, lang):
    out = env.root / "report.xlsx"
    result = env.run("report", "-o", str(out), lang=lang)
    assert result.exit_code == 0, result.stderr
    wb = openpyxl.load_workbook(out)
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert visible == (SHEETS_ZH if lang == "zh" else SHEETS_EN)
    with zipfile.ZipFile(out) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 5
    overview = wb.worksheets[0]
    values = [c.value for row in overview.iter_rows() for c in row]
    assert "—" in values  # unknown sums, not 0
    for ws in wb.worksheets[:6]:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9, ws.title
        assert date.today().isoformat() in ws.oddHeader.right.text, ws.title  # the data date on every page
    for command in ("validate", "merge"):
        result = env.run(command, str(out), lang=lang)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert ("汇总报告" if lang == "zh" else "consolidated report") in result.stderr


@pytest.mark.one_store  # what LibreOffice makes of the file is tested; the store is not: SQLite only
@pytest.mark.skipif((SOFFICE is None or shutil.which("pdftotext") is None) and not IN_CI,
                    reason="needs LibreOffice and poppler-utils: run scripts/system-deps.sh")
def test_report_pdf_prints_charts_with_chinese_labels(env):
    out = env.root / "report.xlsx"
    result = env.run("report", "-o", str(out), "--pdf")
    assert result.exit_code == 0, result.stderr
    pdf = out.with_suffix(".pdf")
    assert pdf.exists() and str(pdf) in result.stdout
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = "".join(text.split())
    for title in ("各地区集群产值（亿元）", "各地区集群的形成类型", "各制约因素制约的集群数", "各地区建议措施的状态",
                  "许昌市", "研发投入与自主创新不足"):
        assert title in flat, title
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts or "Noto" in fonts
