"""A coordinator's round through the command line: open, returns arriving, the tracker, closing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from workbook.store import open_store
from workbook.store.tables import STORE_FORMAT

from .conftest import IN_CI, SOFFICE, edit, libreoffice_resave

pytestmark = pytest.mark.both_stores  # each test on SQLite and on PostgreSQL

SEED = ["XC", "SX", "JX", "FX", "GD"]


def run_json(env, *args: str, code: int = 0, lang: str | None = None) -> dict:
    result = env.run(*args, "--format", "json", lang=lang)
    assert result.exit_code == code, result.stdout + result.stderr
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def open_round(env, name: str = "R1", due: str = "2026-01-31", *extra: str) -> dict:
    return run_json(env, "round", "open", name, "--due", due, "--period", "2026年度", "-o", str(env.root / name),
                    *extra)


def by_region(tracker: dict) -> dict[str, dict]:
    return {r["region"]: r for r in tracker["regions"]}


def path_of(opened: dict, region: str) -> Path:
    return Path(next(w["path"] for w in opened["workbooks"] if w["region"] == region))


def core_completeness(env, region: str) -> float:
    """The share of core fields filled, worked out from `export` and `schema` as a user could."""
    schema = run_json(env, "schema")
    export = env.root / "export.json"
    assert env.run("export", "-o", str(export), "--format", "json").exit_code == 0
    data = json.loads(export.read_text(encoding="utf-8"))
    filled = total = 0
    for sheet in schema["sheets"]:
        core = [f["key"] for f in sheet["fields"] if f.get("core")]
        table = {"cluster": "clusters", "recommendation": "recommendations"}.get(sheet["entity"])
        if not core or table is None:
            continue
        for rec in data[table]:
            if rec["region"] == region:
                total += len(core)
                filled += sum(1 for k in core if rec.get(k) not in (None, "", []))
    return filled / total


def test_a_round_from_opening_to_closing(env):
    opened = open_round(env)
    assert opened["round"]["name"] == "R1" and opened["round"]["state"] == "open"
    assert opened["round"]["due"] == "2026-01-31" and opened["round"]["period"] == "2026年度"
    assert [w["region"] for w in opened["workbooks"]] == SEED
    assert all(Path(w["path"]).exists() for w in opened["workbooks"])

    # due date passed, nothing returned: five regions not returned and overdue
    tracker = run_json(env, "status")
    assert [r["state"] for r in tracker["regions"]] == ["not_returned"] * 5
    assert all(r["overdue"] for r in tracker["regions"])
    assert tracker["summary"] == {"issued": 5, "returned": 0, "merged": 0, "overdue": 5}

    # XC returns an edit and is merged; SX returns a bad value; JX's untouched file is validated
    xc = edit(path_of(opened, "XC"), "inventory", "XC", "XC-C02", "企业数（家）", 120, out=env.root / "xc.xlsx")
    before = core_completeness(env, "XC")
    assert run_json(env, "merge", str(xc))["files"][0]["applied"]
    sx = edit(path_of(opened, "SX"), "inventory", "SX", "SX-C02", "发展阶段", "很好", out=env.root / "sx.xlsx")
    run_json(env, "merge", str(sx), code=1)
    run_json(env, "validate", str(path_of(opened, "JX")))
    tracker = run_json(env, "status")
    rows = by_region(tracker)
    assert {r: rows[r]["state"] for r in SEED} == {"XC": "merged", "SX": "errors", "JX": "received",
                                                   "FX": "not_returned", "GD": "not_returned"}
    assert rows["XC"]["changes"] == 1 and rows["XC"]["merged_at"] and not rows["XC"]["overdue"]
    assert rows["SX"]["errors"] == 1 and rows["SX"]["overdue"] and rows["SX"]["attempts"] == 1
    assert rows["JX"]["attempts"] == 1 and rows["JX"]["errors"] == 0 and rows["JX"]["overdue"]
    assert rows["FX"]["last_attempt_at"] is None and rows["FX"]["attempts"] == 0
    assert tracker["summary"] == {"issued": 5, "returned": 3, "merged": 1, "overdue": 4}
    assert rows["XC"]["completeness"] == pytest.approx(core_completeness(env, "XC"), abs=1e-3)
    assert rows["XC"]["completeness"] > before  # the enterprise count filled a core field
    assert rows["GD"]["completeness"] == pytest.approx(core_completeness(env, "GD"), abs=1e-3)

    # closed: a fourth region's return applies nothing, says why, and the store stays as it was
    assert env.run("round", "close", "R1").exit_code == 0
    revision = open_store(env.store).revision()
    fx = edit(path_of(opened, "FX"), "recommendations", "FX", "FX-R01", "责任单位", "市工信局",
              out=env.root / "fx.xlsx")
    doc = run_json(env, "merge", str(fx), code=1)
    issues = doc["files"][0]["issues"]
    assert [i["code"] for i in issues] == ["round_closed"] and "round reopen R1" in issues[0]["message"]
    assert doc["files"][0]["applied"] is False and open_store(env.store).revision() == revision
    listed = run_json(env, "round", "list")["rounds"]
    assert listed[0]["state"] == "closed" and listed[0]["closed_at"] and listed[0]["closed_rev"] == revision

    # reopened, the same file merges
    assert env.run("round", "reopen", "R1").exit_code == 0
    assert run_json(env, "merge", str(fx))["files"][0]["applied"]
    assert by_region(run_json(env, "status", "--round", "R1"))["FX"]["state"] == "merged"


def test_the_same_file_twice_is_one_attempt_and_a_newer_conflict_counts(env):
    opened = open_round(env)
    xc = edit(path_of(opened, "XC"), "inventory", "XC", "XC-C02", "企业数（家）", 120, out=env.root / "xc.xlsx")
    run_json(env, "validate", str(xc))
    assert by_region(run_json(env, "status"))["XC"]["state"] == "received"
    run_json(env, "merge", str(xc))
    run_json(env, "validate", str(xc))  # checked again after merging: still merged, still one attempt
    run_json(env, "merge", str(xc))
    row = by_region(run_json(env, "status"))["XC"]
    assert row["attempts"] == 1 and row["state"] == "merged" and row["changes"] == 1
    # a second return of the region changes the same cell differently: a conflict, and the region shows it
    other = edit(path_of(opened, "XC"), "inventory", "XC", "XC-C02", "企业数（家）", 150, out=env.root / "xc2.xlsx")
    run_json(env, "merge", str(other), code=1)
    row = by_region(run_json(env, "status"))["XC"]
    assert row["state"] == "conflicts" and row["conflicts"] == 1 and row["attempts"] == 2


@pytest.mark.one_store  # what LibreOffice makes of the file is tested; the store is not: SQLite only
@pytest.mark.skipif(SOFFICE is None and not IN_CI, reason="needs LibreOffice: run scripts/system-deps.sh")
def test_a_return_resaved_in_libreoffice_keeps_its_identity(env):
    opened = open_round(env)
    xc = edit(path_of(opened, "XC"), "inventory", "XC", "XC-C02", "企业数（家）", 120, out=env.root / "xc.xlsx")
    resaved = libreoffice_resave(xc, env.root / "lo")
    run_json(env, "validate", str(resaved))
    assert by_region(run_json(env, "status"))["XC"]["state"] == "received"
    run_json(env, "merge", str(resaved))
    tracker = run_json(env, "status")
    assert by_region(tracker)["XC"]["state"] == "merged" and by_region(tracker)["XC"]["changes"] == 1
    assert tracker["summary"]["merged"] == 1 and tracker["summary"]["returned"] == 1


def test_round_workbooks_show_round_period_and_due_where_officials_look(env):
    opened = open_round(env, "2026年度调查", "2027-04-30")
    path = path_of(opened, "XC")
    assert path.name == "2026年度调查-XC-许昌市.xlsx"
    wb = openpyxl.load_workbook(path)
    texts = [c.value for row in wb["说明"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "2026年度调查" in texts and "2026年度" in texts and any("2027-04-30" in t for t in texts)
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            assert "2026年度调查" in ws.oddHeader.left.text and "2027-04-30" in ws.oddHeader.right.text, ws.title


def test_not_yet_due_is_not_overdue_and_english_text(env):
    future = (date.today() + timedelta(days=30)).isoformat()
    open_round(env, "R2", future, "--region", "XC", "--region", "GD")
    tracker = run_json(env, "status")
    assert [r["region"] for r in tracker["regions"]] == ["XC", "GD"]
    assert not any(r["overdue"] for r in tracker["regions"]) and tracker["summary"]["overdue"] == 0
    text = env.run("status", lang="en").stdout
    assert "not returned" in text and "issued 2, returned 0, merged 0, overdue 0" in text


def test_round_usage_errors_exit_2(env):
    assert env.run("status").exit_code == 2  # no round yet
    open_round(env)
    for args in (["round", "open", "R1", "--due", "2026-05-01"],  # duplicate name
                 ["round", "open", "R9", "--due", "soon"],  # not a date
                 ["round", "open", "R9", "--due", "2026-05-01", "--region", "ZZ"],  # unknown region
                 ["round", "open", "a/b", "--due", "2026-05-01"],  # not a folder name
                 ["round", "close", "NOPE"], ["round", "reopen", "NOPE"], ["status", "--round", "NOPE"]):
        result = env.run(*args)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.output and result.stderr.strip(), args
    assert [r["name"] for r in run_json(env, "round", "list")["rounds"]] == ["R1"]
    assert not (env.root / "R9").exists()


def test_tracker_workbook_and_it_is_not_a_return(env):
    opened = open_round(env)
    sx = edit(path_of(opened, "SX"), "inventory", "SX", "SX-C02", "发展阶段", "很好", out=env.root / "sx.xlsx")
    run_json(env, "merge", str(sx), code=1)
    out = env.root / "tracker.xlsx"
    assert env.run("status", "-o", str(out)).exit_code == 0
    ws = openpyxl.load_workbook(out).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert any(row[0] == "SX 绍兴市" and row[2] == "有错误，待改" and row[7] == 1 for row in values)
    assert "已发 5" in values[0][0]
    result = env.run("validate", str(out))
    assert result.exit_code == 2 and "交回情况表" in result.stderr and "Traceback" not in result.output


def test_a_folder_merge_ends_with_the_round_summary(env):
    opened = open_round(env)
    returns = env.root / "returns"
    returns.mkdir()
    edit(path_of(opened, "XC"), "inventory", "XC", "XC-C02", "企业数（家）", 120, out=returns / "xc.xlsx")
    edit(path_of(opened, "GD"), "inventory", "GD", "GD-C01", "企业数（家）", 30, out=returns / "gd.xlsx")
    result = env.run("merge", str(returns), lang="en")
    assert result.exit_code == 0
    assert "[1/2]" in result.stderr and "[2/2]" in result.stderr
    assert "Round R1 (due 2026-01-31, open): issued 5, returned 2, merged 2, overdue 3" in result.stderr


def test_a_workbook_built_outside_rounds_is_no_attempt(env):
    open_round(env)
    path = env.build("plain.xlsx")
    edit(path, "inventory", "XC", "XC-C02", "企业数（家）", 120)
    assert run_json(env, "merge", str(path))["files"][0]["applied"]
    assert run_json(env, "status")["summary"]["returned"] == 0


def test_a_store_of_the_format_before_rounds_is_upgraded_on_first_open(env):
    """A store written before rounds existed (format 1: no round tables) gains them, in one transaction, the
    first time any command opens it; its records and workbooks are untouched."""
    old = env.build("old.xlsx")
    for table in ("cwb_rounds", "cwb_round_workbooks", "cwb_attempts"):
        env.sql(f"DROP TABLE {table}")
    env.sql("UPDATE cwb_meta SET value = '1' WHERE key = 'format'")
    assert not {"cwb_rounds", "cwb_round_workbooks", "cwb_attempts"} & env.tables()
    assert env.run("status").exit_code == 2  # no round yet, but the store opened
    assert env.sql("SELECT value FROM cwb_meta WHERE key = 'format'") == [(STORE_FORMAT,)]  # and every format since
    assert {"cwb_rounds", "cwb_round_workbooks", "cwb_attempts"} <= env.tables()
    assert run_json(env, "validate", str(old))["ok"]  # a workbook issued before the upgrade still checks
    open_round(env)
    assert run_json(env, "status")["summary"]["issued"] == 5


def test_a_store_of_a_newer_format_is_refused_and_left_alone(env):
    env.build("wb.xlsx")
    env.sql("UPDATE cwb_meta SET value = '99' WHERE key = 'format'")
    result = env.run("status", lang="en")
    assert result.exit_code == 2 and "newer cluster-wb" in result.stderr
    assert "更新版本的 cluster-wb" in env.run("status").stderr
    assert env.sql("SELECT value FROM cwb_meta WHERE key = 'format'") == [("99",)]


def test_a_validation_after_a_merge_or_after_closing_moves_no_state(env):
    """The same file validated after its merge reported conflicts keeps `conflicts`; returns after the round
    closed leave the closed round's tracker as it was."""
    opened = open_round(env)
    xc = edit(path_of(opened, "XC"), "inventory", "XC", "XC-C02", "企业数（家）", 120, out=env.root / "xc.xlsx")
    other = edit(path_of(opened, "XC"), "inventory", "XC", "XC-C02", "企业数（家）", 150, out=env.root / "xc2.xlsx")
    run_json(env, "merge", str(xc))
    run_json(env, "merge", str(other), code=1)
    run_json(env, "validate", str(other))  # no conflict is computed by a validation: it must not clear one
    row = by_region(run_json(env, "status"))["XC"]
    assert row["state"] == "conflicts" and row["attempts"] == 2
    assert env.run("round", "close", "R1").exit_code == 0
    before = run_json(env, "status")
    gd = edit(path_of(opened, "GD"), "inventory", "GD", "GD-C01", "企业数（家）", 30, out=env.root / "gd.xlsx")
    run_json(env, "merge", str(gd), code=1)  # round_closed
    run_json(env, "validate", str(gd))
    assert run_json(env, "status") == before
