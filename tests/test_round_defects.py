"""Issue 26, points 2, 3 and 14: two rounds open at once, a closed round's tracker, and the small guards of
`round open --due` and `report --round --region`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from .conftest import edit

pytestmark = pytest.mark.both_stores  # the store's new queries, on SQLite and on PostgreSQL

LATER = (date.today() + timedelta(days=30)).isoformat()


def run_json(env, *args: str, code: int = 0, lang: str | None = None) -> dict:
    result = env.run(*args, "--format", "json", lang=lang)
    assert result.exit_code == code, result.stdout + result.stderr
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def open_round(env, name: str, *regions: str, due: str = LATER) -> dict:
    extra = [a for r in regions for a in ("--region", r)]
    return run_json(env, "round", "open", name, "--due", due, "-o", str(env.root / name), *extra)


def path_of(opened: dict, region: str) -> Path:
    return Path(next(w["path"] for w in opened["workbooks"] if w["region"] == region))


def merged(env, path: Path) -> list[tuple]:
    """Merge a return; the changes it applied, as (entity, record, field, new)."""
    doc = run_json(env, "merge", str(path))["files"][0]
    assert doc["applied"], doc
    return sorted((c["entity"], c["record"], c["field"], c["new"]) for c in doc["changes"])


def changes_of(fig: dict) -> list[tuple]:
    return sorted((c["entity"], c["record"], c["field"], c["new"]) for c in fig["changes"])


# -- point 2: two rounds open at once ----------------------------------------------------------------


def test_overlapping_rounds_each_report_what_their_own_returns_did(env):
    """An annual round R1 and a correction round R2 open side by side: R2's return is merged before R1
    closes. R2's report since R1 shows R2's change (not nothing), and R1's report since R0 does not take it
    for one of R1's."""
    open_round(env, "R0")
    assert env.run("round", "close", "R0").exit_code == 0
    annual = open_round(env, "R1")
    correction = open_round(env, "R2", "XC")
    fix = merged(env, edit(path_of(correction, "XC"), "inventory", "XC", "XC-C02", "企业数（家）", 120,
                           out=env.root / "r2-xc.xlsx"))
    ret = merged(env, edit(path_of(annual, "GD"), "inventory", "GD", "GD-C01", "企业数（家）", 30,
                           out=env.root / "r1-gd.xlsx"))
    assert env.run("round", "close", "R1").exit_code == 0
    assert env.run("round", "close", "R2").exit_code == 0

    for args in (("--since", "R1"), ()):  # the default: the round closed before R2, R1
        fig = run_json(env, "report", "--round", "R2", *args)
        assert fig["since"]["name"] == "R1"
        assert changes_of(fig) == fix, args
    for args in (("--since", "R0"), ()):
        fig = run_json(env, "report", "--round", "R1", *args)
        assert fig["since"]["name"] == "R0"
        assert changes_of(fig) == ret, args  # R2's correction is R2's, not R1's
    # the store now: since R0 every change, whoever made it; since R1 the correction, which came after R1's
    assert changes_of(run_json(env, "report", "--since", "R0")) == sorted(fix + ret)
    assert changes_of(run_json(env, "report", "--since", "R1")) == fix
    # and the figures stay those of each snapshot: R1's, taken after R2's correction, holds it
    def enterprises(name: str) -> int:
        fig = run_json(env, "report", "--round", name)
        return next(r["enterprises"] for r in fig["regions"] if r["region"] == "XC")
    assert enterprises("R1") == enterprises("R0") + 120  # XC-C02 had no enterprise count before


def test_a_late_return_taken_by_reopening_an_older_round_stays_its_own(env):
    """The documented way to take a late return while the next round runs: reopen the older round, merge,
    close it again. The newer round's report since it shows the newer round's returns, not the late one."""
    first = open_round(env, "R1")
    assert env.run("round", "close", "R1").exit_code == 0
    second = open_round(env, "R2")
    new = merged(env, edit(path_of(second, "XC"), "inventory", "XC", "XC-C02", "企业数（家）", 120,
                           out=env.root / "r2-xc.xlsx"))
    assert env.run("round", "reopen", "R1").exit_code == 0
    late = merged(env, edit(path_of(first, "SX"), "recommendations", "SX", "SX-R01", "责任单位", "市工信局",
                            out=env.root / "r1-sx.xlsx"))
    assert env.run("round", "close", "R1").exit_code == 0
    assert env.run("round", "close", "R2").exit_code == 0
    assert changes_of(run_json(env, "report", "--round", "R2", "--since", "R1")) == new
    assert late and late != new


# -- point 3: a closed round's tracker stands as it was when it closed --------------------------------


def test_a_closed_rounds_completeness_is_that_of_its_snapshot(env):
    open_round(env, "R1", "XC", "GD")
    assert env.run("round", "close", "R1").exit_code == 0
    before = run_json(env, "status", "--round", "R1")
    table_before = env.run("status", "--round", "R1", lang="en").stdout
    # a later change to the store, outside the round (a plain build merged), fills a core field of XC
    path = env.build("plain.xlsx")
    edit(path, "inventory", "XC", "XC-C02", "企业数（家）", 120)
    assert merged(env, path)
    after = run_json(env, "status", "--round", "R1")
    assert [r["completeness"] for r in after["regions"]] == [r["completeness"] for r in before["regions"]]
    assert after == before
    assert env.run("status", "--round", "R1", lang="en").stdout == table_before
    out = env.root / "tracker.xlsx"
    assert env.run("status", "--round", "R1", "-o", str(out)).exit_code == 0
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(out).active.iter_rows()]
    header = next(row for row in rows if "完整度" in row)
    xc = next(row for row in rows if str(row[0]).startswith("XC"))
    assert xc[header.index("完整度")] == before["regions"][0]["completeness"]
    # reopened, the round follows the store again
    assert env.run("round", "reopen", "R1").exit_code == 0
    now = run_json(env, "status", "--round", "R1")
    assert now["regions"][0]["completeness"] > before["regions"][0]["completeness"]


# -- point 14: small guards ----------------------------------------------------------------------------


def test_a_due_date_in_the_past_is_accepted_and_said(env):
    past = (date.today() - timedelta(days=3)).isoformat()
    result = env.run("round", "open", "R1", "--due", past, "--region", "XC", "-o", str(env.root / "R1"))
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert past in result.stderr and "已过" in result.stderr
    result = env.run("round", "open", "R2", "--due", past, "--region", "XC", "-o", str(env.root / "R2"),
                     "--format", "json", lang="en")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["round"]["due"] == past  # stdout stays one JSON document
    assert [line for line in result.stderr.splitlines() if "passed" in line and past in line]
    result = env.run("round", "open", "R3", "--due", LATER, "--region", "XC", "-o", str(env.root / "R3"), lang="en")
    assert result.exit_code == 0 and "passed" not in result.stderr
    assert run_json(env, "status", "--round", "R1")["regions"][0]["overdue"]


def test_report_of_a_round_for_a_region_outside_it_is_refused(env):
    open_round(env, "R1", "XC", "GD")
    assert env.run("round", "close", "R1").exit_code == 0
    result = env.run("report", "--round", "R1", "--region", "SX", "--format", "json", lang="en")
    assert result.exit_code == 2 and "Traceback" not in result.output and not result.stdout
    assert "SX" in result.stderr and "R1" in result.stderr and "XC, GD" in result.stderr
    result = env.run("report", "--round", "R1", "--region", "SX", "--format", "json")
    assert result.exit_code == 2 and "SX" in result.stderr and "轮次" in result.stderr
    fig = run_json(env, "report", "--round", "R1", "--region", "GD")
    assert [r["region"] for r in fig["regions"]] == ["GD"]
    assert [r["region"] for r in run_json(env, "report", "--region", "SX")["regions"]] == ["SX"]  # no round: fine
