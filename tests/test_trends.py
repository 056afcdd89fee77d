"""Trends across rounds: two rounds run through from a fresh store, the report's JSON against its 趋势 sheet,
and the return record of each region in `status` and the tracker workbook."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from workbook.core.messages import t

from .conftest import edit

SEED = ["XC", "SX", "JX", "FX", "GD"]
FACTOR = "研发投入与自主创新不足"  # the title of the factor whose severity SX changes


def run_json(env, *args: str, code: int = 0) -> dict:
    result = env.run(*args, "--format", "json")
    assert result.exit_code == code, result.stdout + result.stderr
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def path_of(opened: dict, region: str) -> Path:
    return Path(next(w["path"] for w in opened["workbooks"] if w["region"] == region))


def merged(env, path: Path) -> None:
    doc = run_json(env, "merge", str(path))
    assert doc["ok"], doc


def factor_of(env, title: str) -> str:
    return next(f["id"] for f in run_json(env, "schema")["constraint_factors"] if f["title_zh"] == title)


def severity_of(env, cluster: str, factor: str):
    export = env.root / "export.json"
    assert env.run("export", "-o", str(export), "--format", "json").exit_code == 0
    data = json.loads(export.read_text(encoding="utf-8"))
    return next((c["severity"] for c in data["constraints"] if c["cluster"] == cluster and c["factor"] == factor),
                None)


@pytest.fixture
def two_rounds(env):
    """R1 (due in a month, GD not issued): XC and SX merged on time, JX and FX missing; closed.
    R2 (due last week, all five): XC merged late, SX merged late with a severity raised, JX missing; open."""
    soon, past = (date.today() + timedelta(days=30)).isoformat(), (date.today() - timedelta(days=7)).isoformat()
    r1 = run_json(env, "round", "open", "R1", "--due", soon, "--period", "2025年度", "-o", str(env.root / "R1"),
                  "--region", "XC", "--region", "SX", "--region", "JX", "--region", "FX")
    merged(env, edit(path_of(r1, "XC"), "inventory", "XC", "XC-C02", "企业数（家）", 120, out=env.root / "xc1.xlsx"))
    merged(env, path_of(r1, "SX"))  # nothing to change: merged all the same
    assert env.run("round", "close", "R1").exit_code == 0
    r2 = run_json(env, "round", "open", "R2", "--due", past, "--period", "2026年度", "-o", str(env.root / "R2"))
    merged(env, path_of(r2, "XC"))
    factor = factor_of(env, FACTOR)
    before = severity_of(env, "SX-C01", factor)
    raised = 3 if before in (None, 0, 1, 2) else 1
    merged(env, edit(path_of(r2, "SX"), "constraints", "SX", "SX-C01", FACTOR, raised, out=env.root / "sx2.xlsx"))
    return {"factor": factor, "before": before, "after": raised}


def trend_sheet(path: Path, lang: str = "zh"):
    wb = openpyxl.load_workbook(path)
    return wb[t("rpt_sheet_trends", lang)]


def table_below(ws, first_header: str) -> tuple[list[str], list[list]]:
    """The header row that starts with `first_header`, and the rows under it up to the first empty one."""
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    for i, row in enumerate(rows):
        if row and row[0] == first_header and any(v is not None for v in row[1:]):
            head, body = [v for v in row], []
            for later in rows[i + 1:]:
                if not later or later[0] in (None, ""):
                    break
                body.append(later)
            return head, body
    raise KeyError(first_header)


def test_rounds_and_severity_changes_in_json_and_in_the_trends_sheet_agree(env, two_rounds):
    fig = run_json(env, "report")
    rounds = {r["name"]: r for r in fig["rounds"]}
    assert [r["name"] for r in fig["rounds"]] == ["R1", "R2"]
    r1, r2 = rounds["R1"], rounds["R2"]
    assert {k: r1[k] for k in ("issued", "returned", "merged_on_time", "merged_late", "not_merged")} == \
        {"issued": 4, "returned": 2, "merged_on_time": 2, "merged_late": 0, "not_merged": 2}
    assert {k: r2[k] for k in ("issued", "returned", "merged_on_time", "merged_late", "not_merged")} == \
        {"issued": 5, "returned": 2, "merged_on_time": 0, "merged_late": 2, "not_merged": 3}
    assert r1["state"] == "closed" and r2["state"] == "open" and r1["period"] == "2025年度"
    assert 0 < r1["completeness"] <= 1 and 0 < r2["completeness"] <= 1
    assert set(r1["recommendations"]) >= {"not_started", "in_progress", "done", "unset", "overdue"}
    # the measures of R1 count over its four regions only, R2's over all five: never re-based
    now = {r["region"]: r["recommendations"] for r in fig["regions"]}
    assert sum(r2["recommendations"][k] for k in r2["recommendations"] if k != "overdue") == \
        sum(v for rid in SEED for k, v in now[rid].items() if k != "overdue")
    assert sum(r1["recommendations"][k] for k in r1["recommendations"] if k != "overdue") == \
        sum(v for rid in SEED if rid != "GD" for k, v in now[rid].items() if k != "overdue")

    changes = {c["factor"]: c for c in fig["severity_changes"]}
    assert {c["from_round"] for c in fig["severity_changes"]} == {"R1"}
    moved = changes[two_rounds["factor"]]
    if two_rounds["before"] in (None,):
        assert moved["new"] == 1
    elif two_rounds["after"] > two_rounds["before"]:
        assert moved["worsened"] == 1
    else:
        assert moved["improved"] + moved["resolved"] == 1
    assert sum(c["worsened"] + c["improved"] + c["new"] + c["resolved"] for c in fig["severity_changes"]) == 1

    out = env.root / "report.xlsx"
    result = env.run("report", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    ws = trend_sheet(out)
    head, body = table_below(ws, t("rpt_trend_round", "zh"))
    col = {h: i for i, h in enumerate(head)}
    assert [row[0] for row in body] == ["R1", "R2"]
    for row in body:
        r = rounds[row[0]]
        for key in ("issued", "returned", "merged_on_time", "merged_late", "not_merged"):
            assert row[col[t(f"rpt_trend_{key}", "zh")]] == r[key], (row[0], key)
        assert row[col[t("rpt_trend_on_time_share", "zh")]] == f"{r['merged_on_time']}/{r['issued']}"
        assert row[col[t("rpt_completeness", "zh")]] == pytest.approx(r["completeness"])
        assert row[col[t("rpt_overdue", "zh")]] == r["recommendations"]["overdue"]
    head, body = table_below(ws, t("rpt_factor", "zh"))
    col = {h: i for i, h in enumerate(head)}
    titles = {f["title_zh"]: f["id"] for f in run_json(env, "schema")["constraint_factors"]}
    assert len(body) == len(fig["severity_changes"])
    for row in body:
        c = changes[titles[row[0]]]
        for key in ("worsened", "improved", "unchanged", "new", "resolved"):
            assert row[col[t(f"rpt_trend_{key}", "zh")]] == c[key], (row[0], key)


def test_a_region_absent_from_the_earlier_round_is_named_not_zero(env, two_rounds):
    fig = run_json(env, "report")
    deltas = {d["region"]: d for d in fig["region_changes"]}
    assert deltas["GD"]["previous"] is None and deltas["GD"]["absent_from"] == "R1"
    assert deltas["XC"]["previous"]["clusters"] == deltas["XC"]["current"]["clusters"]
    out = env.root / "report.xlsx"
    assert env.run("report", "-o", str(out), lang="en").exit_code == 0
    ws = trend_sheet(out, "en")
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("Guangdong" in s for s in texts if "R1" in s and "not issued" in s), texts
    head, body = table_below(ws, t("rpt_region", "en"))
    gd = next(row for row in body if row[0] and ("GD" in row[0] or row[0] == deltas["GD"]["name_en"]))
    assert "—" in gd and 0 not in gd[2:]


def test_since_an_open_or_unknown_round_exits_2(env, two_rounds):
    for name in ("R2", "NOPE"):
        result = env.run("report", "--since", name, "--format", "json")
        assert result.exit_code == 2 and "Traceback" not in result.output and name in result.stderr
        assert result.stdout == ""


def test_nothing_to_compare_before_any_round(env):
    fig = run_json(env, "report")
    assert fig["rounds"] == [] and fig["severity_changes"] == []


def test_status_and_tracker_show_each_regions_record_over_the_rounds(env, two_rounds):
    tracker = run_json(env, "status")
    record = {r["region"]: [(x["round"], x["outcome"]) for x in r["record"]] for r in tracker["regions"]}
    assert record["XC"] == [("R1", "on_time"), ("R2", "late")]
    assert record["JX"] == [("R1", "missing"), ("R2", "missing")]
    assert record["GD"] == [("R2", "missing")]  # not issued in R1: no entry, not a miss
    text = env.run("status", lang="en").stdout
    xc_line = next(line for line in text.splitlines() if line.startswith("XC"))
    assert "ok late" in xc_line
    out = env.root / "tracker.xlsx"
    assert env.run("status", "-o", str(out), lang="en").exit_code == 0
    ws = openpyxl.load_workbook(out).worksheets[0]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(row for row in cells if row[0] == "region")
    col = header.index("last rounds")
    xc = next(row for row in cells if row[0] and str(row[0]).startswith("XC"))
    assert xc[col] == "ok late"
