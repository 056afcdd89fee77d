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


@pytest.mark.parametrize("first", ["R1", "R2"])
def test_a_correction_round_opened_before_the_annual_one_keeps_its_return(env, first):
    """A correction round R2 opens and its return is merged before the annual round R1 opens; both close at
    the same revision. Each return is its own round's, whichever order they close in: the round that closes
    first is the earlier snapshot, and a round closed before another counts in the other's changes since an
    earlier snapshot, as sequential rounds do."""
    open_round(env, "R0")
    assert env.run("round", "close", "R0").exit_code == 0
    correction = open_round(env, "R2", "XC")
    fix = merged(env, edit(path_of(correction, "XC"), "inventory", "XC", "XC-C02", "企业数（家）", 120,
                           out=env.root / "r2-xc.xlsx"))
    annual = open_round(env, "R1")
    ret = merged(env, edit(path_of(annual, "GD"), "inventory", "GD", "GD-C01", "企业数（家）", 30,
                           out=env.root / "r1-gd.xlsx"))
    second = "R2" if first == "R1" else "R1"
    assert env.run("round", "close", first).exit_code == 0
    assert env.run("round", "close", second).exit_code == 0

    def report(*args: str) -> list[tuple]:
        return changes_of(run_json(env, "report", *args))

    own = {"R1": ret, "R2": fix}
    assert report("--round", first, "--since", "R0") == own[first]  # not the other's return
    assert report("--round", second, "--since", first) == own[second]  # not empty: the symptom
    assert run_json(env, "report", "--round", second)["since"]["name"] == first
    assert report("--round", second) == own[second]
    # the first closed in between: counted since R0 (R2's report is of its one region, XC)
    assert report("--round", second, "--since", "R0") == (sorted(fix + ret) if second == "R1" else fix)
    assert report("--since", "R0") == sorted(fix + ret)
    assert report("--since", first) == own[second]
    assert report("--since", second) == []


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


# -- a cluster deleted before its matrix record went with it (the reviewer's point 11) --------------------


def test_matrix_records_of_clusters_deleted_before_the_fix_go_when_the_store_is_upgraded(env):
    """A store written before deleting a cluster took its matrix record along still holds that record live:
    opening it upgrades it, deleting such records in one audited revision, once."""
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C05", "删除（填“是”）", "是")
    assert merged(env, path)
    # the store as the tool left it before: the cluster deleted, its matrix record live, format 3
    env.sql("DELETE FROM cwb_history WHERE entity = 'constraint' AND id = 'XC-C05' AND deleted = true")
    env.sql("DELETE FROM cwb_audit WHERE entity = 'constraint' AND record = 'XC-C05'")
    env.sql("UPDATE cwb_records SET deleted = false, rev = (SELECT max(rev) FROM cwb_history "
            "WHERE entity = 'constraint' AND id = 'XC-C05') WHERE entity = 'constraint' AND id = 'XC-C05'")
    env.sql("UPDATE cwb_meta SET value = '3' WHERE key = 'format'")
    [(live,)] = env.sql("SELECT data FROM cwb_records WHERE entity = 'constraint' AND id = 'XC-C05' "
                        "AND deleted = false")

    def exported() -> dict:
        out = env.root / "export.json"
        assert env.run("export", "-o", str(out), "--format", "json").exit_code == 0
        return json.loads(out.read_text(encoding="utf-8"))

    entries = run_json(env, "log", "--limit", "100000")["entries"]  # any command: the store is upgraded first
    upgrade = [e for e in entries if e["revision"] == entries[0]["revision"]]
    assert [(e["entity"], e["record"], e["op"], e["by"]) for e in upgrade] == \
        [("constraint", "XC-C05", "delete", "cluster-wb")]
    assert upgrade[0]["source"].startswith("upgrade")
    assert upgrade[0]["old"] == json.loads(live)  # the record as it was, kept in the audit trail
    data = exported()
    assert not any(c["cluster"] == "XC-C05" for c in data["constraints"])
    assert any(c["cluster"] == "XC-C04" for c in data["constraints"])
    assert env.sql("SELECT value FROM cwb_meta WHERE key = 'format'") != [("3",)]
    assert "upgrade: matrix records of" in env.run("log", "--limit", "1", lang="en").stdout  # the source in words
    assert "升级：删除已删集群的制约矩阵记录" in env.run("log", "--limit", "1").stdout
    # a second run finds nothing to do
    assert run_json(env, "log", "--limit", "100000")["entries"] == entries
    assert exported() == data


def test_a_store_from_before_closings_were_numbered_numbers_them_when_upgraded(env):
    """Rounds closed at one revision are told apart by the order they closed in, which stores of format 3 did
    not keep: the upgrade numbers their closings by revision, closing time and opening order."""
    for name in ("R1", "R2", "R3"):
        open_round(env, name, "XC")
    for name in ("R1", "R2"):
        assert env.run("round", "close", name).exit_code == 0
    env.sql("ALTER TABLE cwb_rounds DROP COLUMN closed_seq")
    env.sql("UPDATE cwb_meta SET value = '3' WHERE key = 'format'")
    assert run_json(env, "report", "--round", "R2")["since"]["name"] == "R1"
    assert env.sql("SELECT name, closed_seq FROM cwb_rounds ORDER BY name") == [("R1", 1), ("R2", 2), ("R3", None)]
    assert env.run("round", "close", "R3").exit_code == 0
    assert env.sql("SELECT closed_seq FROM cwb_rounds WHERE name = 'R3'") == [(3,)]
