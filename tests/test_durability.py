"""The store is the official record: a merge killed at any point, or two merges at once, lose nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest

from workbook.store import open_store

from .conftest import column_of, edit, processes_left, sheet_by_kind

pytestmark = pytest.mark.both_stores  # each test on SQLite and on PostgreSQL

ROOT = Path(__file__).resolve().parent.parent

# Runs the real command line in a child process that SIGKILLs itself just before its N-th SQL statement.
KILLER = textwrap.dedent("""
    import os, signal, sys
    from sqlalchemy import event
    import workbook.store as store
    stop_at = int(sys.argv[1])
    seen_total = {"n": 0}
    make = store._make_engine
    def counting(url):
        engine = make(url)
        seen = seen_total
        @event.listens_for(engine, "before_cursor_execute")
        def maybe_die(*args, **kwargs):
            seen["n"] += 1
            if seen["n"] == stop_at:
                os.kill(os.getpid(), signal.SIGKILL)
        return engine
    store._make_engine = counting
    if stop_at == 0:  # count only: report how many statements the whole run made
        import atexit
        atexit.register(lambda: print(f"statements={seen_total['n']}", file=sys.stderr))
    from workbook.cli import cli
    cli(sys.argv[2:], prog_name="cluster-wb")
""")


def cli_process(store: str, *args: str, kill_at: int | None = None) -> subprocess.Popen:
    if kill_at is None:
        argv = [sys.executable, "-m", "workbook.cli", "--store", store, *args]
    else:
        argv = [sys.executable, "-c", KILLER, str(kill_at), "--store", store, *args]
    return subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def many_edits(path: Path) -> int:
    """Edit a cell in every cluster and recommendation: a merge of a few hundred statements."""
    wb = openpyxl.load_workbook(path)
    n = 0
    for region in ("XC", "SX", "JX", "GD"):
        ws = sheet_by_kind(wb, "inventory", region)
        col = column_of(ws, "备注")
        for row in range(2, ws.max_row + 1):
            ws.cell(row=row, column=col).value = f"已核实 {row}"
            n += 1
        ws = sheet_by_kind(wb, "recommendations", region)
        col = column_of(ws, "责任单位")
        for row in range(2, ws.max_row + 1):
            ws.cell(row=row, column=col).value = "发改委"
            n += 1
    wb.save(path)
    return n


def snapshot(env) -> tuple[int, int, int, str]:
    if env.backend == "sqlite":
        assert env.sql("PRAGMA integrity_check") == [("ok",)]
    [(rev,)] = env.sql("select coalesce(max(rev), 0) from cwb_revisions")
    [(audit,)] = env.sql("select count(*) from cwb_audit")
    [(history_max,)] = env.sql("select coalesce(max(rev), 0) from cwb_history")
    assert history_max == rev  # no history row of an uncommitted revision
    data = json.dumps([[e, i, d, bool(x)] for e, i, d, x in
                       env.sql("select entity, id, data, deleted from cwb_records order by entity, id")],
                      ensure_ascii=False)
    return rev, audit, history_max, data


def test_merge_killed_at_any_point_leaves_the_previous_or_the_next_revision(env, tmp_path):
    path = env.build("wb.xlsx")
    changes = many_edits(path)
    pristine = env.save("pristine")
    before = snapshot(env)
    # the complete merge, for reference: how many statements it makes and what it leaves
    done = cli_process(env.store, "merge", str(path), kill_at=0)
    assert done.wait(120) == 0
    total = int(done.stderr.read().rsplit("statements=", 1)[1])
    after = snapshot(env)
    assert after[0] == before[0] + 1 and after[1] == before[1] + changes
    outcomes = set()
    fractions = (0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
    points = sorted({1, 2, 5} | {int(total * f) for f in fractions} | {total - 1, total})
    for kill_at in points:
        env.restore(pristine)
        proc = cli_process(env.store, "merge", str(path), kill_at=kill_at)
        code = proc.wait(120)
        state = snapshot(env)
        assert state in (before, after), f"killed at statement {kill_at}: the store is in between"
        outcomes.add("previous" if state == before else "next")
        if code == 0:
            assert state == after
    # every statement of the merge ran in the one transaction: a kill before COMMIT undoes all of them
    assert outcomes == {"previous"}
    # and after any crash the same file merges cleanly
    env.restore(pristine)
    proc = cli_process(env.store, "merge", str(path), kill_at=int(total * 0.9))
    proc.wait(120)
    retry = cli_process(env.store, "merge", str(path))
    assert retry.wait(120) == 0
    assert snapshot(env)[3] == after[3]


@pytest.mark.parametrize("same_cell", [False, True])
def test_two_merges_at_once_are_serialised(env, same_cell):
    a = env.build("a.xlsx")
    b = env.build("b.xlsx")
    edit(a, "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    edit(b, "inventory", "XC", "XC-C04", "从业人数（人）" if same_cell else "产值（亿元）", 36000 if same_cell else 9.5)
    procs = [cli_process(env.store, "merge", str(p), "--format", "json") for p in (a, b)]
    results = [(p.wait(120), json.loads(p.stdout.read())) for p in procs]
    codes = sorted(code for code, _ in results)
    st = open_store(env.store)
    record = st.records("cluster")["XC-C04"]
    if same_cell:
        assert codes == [0, 1]  # one applied; the other saw its revision and reports the conflict
        loser = next(doc for code, doc in results if code == 1)["files"][0]
        [conflict] = loser["conflicts"]
        assert conflict["base"] == 32000 and conflict["ours"] in (35000, 36000)
        assert conflict["theirs"] != conflict["ours"]
        assert st.revision() == 2 and record["employment"] == conflict["ours"]
    else:
        assert codes == [0, 0]
        assert st.revision() == 3 and record["employment"] == 35000 and record["output"] == 9.5
    assert {doc["files"][0]["revision"] for code, doc in results if code == 0} <= {2, 3}


def test_a_region_read_at_once_is_each_entity_read_on_its_own(env):
    """The builder reads a region's records in one query; it must see exactly what the per-entity reads
    see: the same records, in id order, without deleted ones and without other regions'."""
    env.run("init")
    env.sql("update cwb_records set deleted = true where entity = 'cluster' and id = 'XC-C02'")
    st = open_store(env.store)
    entities = ["cluster", "constraint", "recommendation", "project", "indicator"]
    for region in st.regions():
        together = st.records_in({region}, entities)
        apart = {e: st.records(e, region=region) for e in entities}
        assert together == apart
        assert [list(v) for v in together.values()] == [list(v) for v in apart.values()]
    assert "XC-C02" not in st.records_in({"XC"}, entities)["cluster"]
    assert st.records_in({"XC"}, entities)["cluster"]


def test_a_folder_merge_killed_at_any_point_leaves_whole_files(env, tmp_path):
    """A folder of a round's returns is merged in batches of savepoints, committed about every second: a kill
    at any statement leaves the store as it was after some number of whole files, never part of one, and the
    same folder merged again ends where an uninterrupted merge ends."""
    opened = json.loads(env.run("round", "open", "R1", "--due", "2026-04-30", "-o", str(tmp_path / "R1"),
                                "--format", "json").stdout)
    returns = tmp_path / "returns"
    returns.mkdir()
    for i, w in enumerate(opened["workbooks"][:4]):
        copy = returns / f"{i}-{w['region']}.xlsx"
        wb = openpyxl.load_workbook(w["path"])
        for kind, header, value in (("inventory", "备注", f"已核实 {i}"), ("recommendations", "责任单位", "发改委")):
            ws = sheet_by_kind(wb, kind, w["region"])
            col = column_of(ws, header)
            for row in range(2, ws.max_row + 1):
                if ws.cell(row=row, column=1).value:
                    ws.cell(row=row, column=col).value = value
        wb.save(copy)
    pristine = env.save("pristine")
    # the store after the first k files, for every k, merged one file at a time
    states = [snapshot(env)]
    for copy in sorted(returns.iterdir()):
        assert cli_process(env.store, "merge", str(copy)).wait(120) == 0
        states.append(snapshot(env))
    assert len({s[3] for s in states}) == 5  # each file changed something
    env.restore(pristine)
    done = cli_process(env.store, "merge", str(returns), kill_at=0)
    assert done.wait(120) == 0
    total = int(done.stderr.read().rsplit("statements=", 1)[1])
    assert snapshot(env)[3] == states[-1][3]
    for kill_at in sorted({1, 3, *(int(total * f) for f in (0.1, 0.3, 0.5, 0.7, 0.9)), total - 1}):
        env.restore(pristine)
        cli_process(env.store, "merge", str(returns), kill_at=kill_at).wait(120)
        data = snapshot(env)[3]
        assert data in [s[3] for s in states], f"killed at statement {kill_at}: part of a file is in the store"
        retry = cli_process(env.store, "merge", str(returns))
        assert retry.wait(120) == 0
        assert snapshot(env)[3] == states[-1][3]
    assert not processes_left(5.0, marker=str(returns)), "a killed merge left its file reader running"
