"""PostgreSQL as the shared store of many offices, on the throwaway server of tests/pgserver.py: many writers at
once, the same answers as SQLite, a server that is down or silent, a password that never shows, moving a
SQLite store in."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import openpyxl
import pytest

from workbook.template.schema import load_schema

from .conftest import Env, column_of, edit, sheet_by_kind

ROOT = Path(__file__).resolve().parent.parent


def cli_process(store: str, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "workbook.cli", "--store", store, *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def pg_env(tmp_path: Path, server, name: str) -> Env:
    root = tmp_path / name
    root.mkdir()
    database = f"t_{name}_{os.getpid()}_{int(time.monotonic() * 1000) % 10**8}"
    server.create_database(database)
    return Env(root, server, database)


def comparable_log(env: Env) -> list[dict]:
    """The audit trail without what differs between two runs of the same steps (times, file hashes)."""
    entries = env.json("log", code=0)["entries"]
    return [{k: v for k, v in e.items() if k not in ("at", "sha256")} for e in entries]


def comparable_export(env: Env) -> dict:
    out = env.root / "export.json"
    assert env.run("export", "-o", str(out), "--format", "json").exit_code == 0
    return json.loads(out.read_text(encoding="utf-8"))


def the_sequence(env: Env) -> list[int]:
    """init, a merge of an edit and a new row, a second workbook's conflicting edit, a deletion; exit codes."""
    codes = [env.run("init").exit_code]
    a, b = env.build("a.xlsx"), env.build("b.xlsx")
    edit(a, "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    wb = openpyxl.load_workbook(a)
    ws = sheet_by_kind(wb, "inventory", "SX")
    new = ws.max_row + 1
    ws.cell(row=new, column=column_of(ws, "集群名称")).value = "绍兴新材料产业集群"
    ws.cell(row=new, column=column_of(ws, "企业数（家）")).value = "１２０"
    wb.save(a)
    codes.append(env.run("merge", str(a), "--by", "甲").exit_code)
    edit(b, "inventory", "XC", "XC-C04", "从业人数（人）", 36000)
    conflict = env.json("merge", str(b), "--by", "乙")
    codes.append(0 if conflict["ok"] else 1)
    [c] = conflict["files"][0]["conflicts"]
    assert (c["base"], c["ours"], c["theirs"]) == (32000, 35000, 36000)
    d = env.build("d.xlsx")
    edit(d, "recommendations", "SX", "SX-R04", "删除（填“是”）", "是")
    codes.append(env.run("merge", str(d), "--by", "丙").exit_code)
    return codes


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_same_steps_give_the_same_export_and_log_on_sqlite_and_postgresql(env, tmp_path):
    lite = Env(tmp_path / "lite")
    lite.root.mkdir()
    assert the_sequence(lite) == [0, 0, 1, 0]
    assert the_sequence(env) == [0, 0, 1, 0]
    assert comparable_export(env) == comparable_export(lite)
    log = comparable_log(env)
    assert log == comparable_log(lite)
    assert [e["revision"] for e in log[:2]] == [3, 2] and log[0]["op"] == "delete" and log[0]["by"] == "丙"
    [inserted] = [e["record"] for e in log if e["op"] == "insert" and e["revision"] == 2]
    assert inserted.startswith("SX-C")


def region_returns(env: Env, regions: int) -> list[Path]:
    """A store of `regions` synthetic regions, a round issued to all, and each region's return with an edit."""
    from bench.synth import generate
    from workbook.services import workbooks

    workbooks.init_with_dataset(env.store, generate(load_schema(), regions, 6), source="synthetic", by="test")
    opened = env.json("round", "open", "R1", "--due", "2030-01-31", "-o", str(env.root / "R1"), code=0)
    returns = []
    for i, w in enumerate(opened["workbooks"]):
        wb = openpyxl.load_workbook(w["path"])
        ws = sheet_by_kind(wb, "inventory", w["region"])
        col = column_of(ws, "备注")
        for row in range(2, ws.max_row + 1):
            if ws.cell(row=row, column=1).value:
                ws.cell(row=row, column=col).value = f"核实 {i}-{row}"
        path = env.root / f"return-{w['region']}.xlsx"
        wb.save(path)
        returns.append(path)
    return returns


@pytest.mark.both_stores
def test_eight_merges_started_together_all_land(env):
    returns = region_returns(env, 8)
    procs = [cli_process(env.store, "merge", str(p), "--by", f"office {i}", "--format", "json")
             for i, p in enumerate(returns)]
    docs = []
    for p in procs:
        assert p.wait(180) == 0, p.stderr.read()
        docs.append(json.loads(p.stdout.read()))
    revisions = sorted(d["files"][0]["revision"] for d in docs)
    assert revisions == list(range(2, 10))  # eight revisions, one each, numbered without a gap
    changes = {(c["record"], c["new"]) for d in docs for c in d["files"][0]["changes"]}
    entries = env.json("log", code=0)["entries"]
    logged = {(e["record"], e["new"]) for e in entries if e["revision"] >= 2}
    assert logged == changes and len(changes) == sum(len(d["files"][0]["changes"]) for d in docs) >= 8 * 6
    assert {e["by"] for e in entries if e["revision"] >= 2} == {f"office {i}" for i in range(8)}
    exported = comparable_export(env)
    assert {(c["id"], c.get("notes")) for c in exported["clusters"]} >= {(r, n) for r, n in changes}
    tracker = env.json("status", code=0)
    assert tracker["summary"]["merged"] == 8


@pytest.mark.both_stores
def test_long_names_are_kept_whole(env):
    """A --by longer than any column length a database might enforce, and a long round name."""
    name = "二〇二六年度产业集群" * 6  # longer than 64 letters, as short as file names need
    assert env.run("round", "open", name, "--due", "2030-01-31", "--by", "某" * 300,
                   "-o", str(env.root / "R")).exit_code == 0
    [rnd] = env.json("round", "list", code=0)["rounds"]
    assert rnd["name"] == name and env.json("status", code=0)["round"]["name"] == name
    assert env.sql("select by from cwb_rounds") == [("某" * 300,)]


class Silent:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for c in self.held:
            c.close()


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("server", ["down", "silent"])
def test_a_server_down_or_silent_is_refused_within_seconds_naming_host_and_port(tmp_path, server):
    silent = Silent() if server == "silent" else None
    port = silent.port if silent else _unused_port()
    url = f"postgresql://clerk:s3cret-pw@127.0.0.1:{port}/cluster"
    try:
        started = time.monotonic()
        proc = cli_process(url, "--lang", "en", "status")
        code = proc.wait(60)
        took = time.monotonic() - started
        err = proc.stderr.read()
    finally:
        if silent:
            silent.close()
    assert code == 2 and took < 15, (code, took, err)
    assert f"127.0.0.1:{port}" in err and "cannot reach the PostgreSQL server" in err
    assert "Traceback" not in err and "s3cret-pw" not in err and "postgresql://clerk:***@" in err


def test_the_password_shows_nowhere(pg_server, tmp_path):
    env = pg_env(tmp_path, pg_server, "pw")
    secret = pg_server.password
    outputs = []

    def run(*args: str, store: str | None = None) -> int:
        result = env.run(*args) if store is None else env.run("--store", store, *args)
        outputs.append(result.output + result.stderr)
        return result.exit_code

    assert run("init") == 0
    assert run("init") == 2  # exists: the message names the store
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    assert run("merge", str(path)) == 0
    assert run("log") == 0 and run("log", "--format", "json") == 0
    assert run("status") == 2  # no round yet
    wrong = env.store.replace(secret, secret + "x")
    assert run("status", store=wrong) == 2  # password refused
    assert run("status", store=pg_server.url("no_such_database")) == 2
    assert run("store", "copy", "--from", env.store, "--to", env.store) == 2
    assert all(o.strip() for o in outputs)
    assert not [o for o in outputs if secret in o]
    assert any("cwb:***@" in o for o in outputs)
    assert secret not in json.dumps(env.sql("select * from cwb_audit")) + json.dumps(env.sql("select * from cwb_meta"))


def test_a_pgpass_file_gives_the_password(pg_server, tmp_path):
    env = pg_env(tmp_path, pg_server, "pgpass")
    bare = pg_server.url(env.database, password=False)
    assert cli_process(bare, "--lang", "en", "init", env={"PGPASSFILE": str(tmp_path / "none")}).wait(60) == 2
    pgpass = tmp_path / "pgpass.conf"
    pgpass.write_text(f"127.0.0.1:{pg_server.port}:*:{pg_server.user}:{pg_server.password}\n")
    pgpass.chmod(0o600)
    proc = cli_process(bare, "init", env={"PGPASSFILE": str(pgpass)})
    assert proc.wait(60) == 0, proc.stderr.read()
    assert env.json("log", code=0)["entries"][0]["revision"] == 1


def test_a_sqlite_store_moves_into_postgresql_with_its_revisions_and_audit_trail(pg_server, tmp_path):
    lite = Env(tmp_path / "lite")
    lite.root.mkdir()
    opened = lite.json("round", "open", "R1", "--due", "2030-01-31", "-o", str(lite.root / "R1"), code=0)
    xc = next(w["path"] for w in opened["workbooks"] if w["region"] == "XC")
    edit(Path(xc), "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    assert lite.run("merge", xc).exit_code == 0
    pg = pg_env(tmp_path, pg_server, "moved")
    copied = lite.run("store", "copy", "--from", lite.store, "--to", pg.store)
    assert copied.exit_code == 0, copied.stderr
    assert pg.json("log", code=0) == lite.json("log", code=0)
    assert comparable_export(pg) == comparable_export(lite)
    assert pg.json("status", code=0) == lite.json("status", code=0)
    # it goes on from there: the next merge is revision 3, and a workbook issued by the SQLite store still checks
    sx = next(w["path"] for w in opened["workbooks"] if w["region"] == "SX")
    edit(Path(sx), "inventory", "SX", "SX-C01", "从业人数（人）", 1234)
    doc = pg.json("merge", sx, code=0)
    assert doc["files"][0]["revision"] == 3
    assert len(pg.json("log", code=0)["entries"]) == len(lite.json("log", code=0)["entries"]) + 1
    # a second copy into a store is refused and changes nothing; and back into a new SQLite file
    assert lite.run("store", "copy", "--from", lite.store, "--to", pg.store).exit_code == 2
    back = tmp_path / "back.sqlite"
    assert lite.run("store", "copy", "--from", pg.store, "--to", str(back)).exit_code == 0
    assert lite.run("--store", str(back), "log", "--format", "json").stdout == pg.run("log", "--format", "json").stdout
