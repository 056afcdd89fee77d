"""What the commands write, and what they write to (issue 26, points 4, 5, 6 and 8): an annotated copy never
over the return it was made from; every output file what its name says; a read-only store refused in one line,
with nothing left behind; a folder of returns says what it did not read."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import IN_CI, edit


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_refusal(result, *needles: str) -> None:
    """Exit 2, one line on stderr naming what it must, no traceback and no internal error."""
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


# -- 4: validate --annotate ------------------------------------------------------------------------
@pytest.mark.parametrize("spelling", ["same", "dotted", "upper-dir"])
def test_annotate_refuses_to_write_over_its_input(env, spelling):
    """The return as received stays as received: its SHA-256 is on the attempt."""
    built = env.build()
    path = edit(built, "inventory", "XC", "XC-C01", "发展阶段", "很好", out=env.root / "in.xlsx")
    before = sha256(path)
    (env.root / "sub").mkdir()
    target = {"same": str(path), "dotted": "./in.xlsx", "upper-dir": str(env.root / "sub" / ".." / "in.xlsx")}[spelling]
    result = env.run("validate", str(path), "--annotate", target)
    one_line_refusal(result, "in.xlsx")
    assert "--annotate" in result.stderr
    assert result.stdout == ""  # refused before validating
    assert sha256(path) == before


@pytest.mark.parametrize("name", ["x.pdf", "x", "x.xls"])
def test_annotate_refuses_a_copy_not_named_xlsx_before_validating(env, name):
    built = env.build()
    result = env.run("validate", str(built), "--annotate", str(env.root / name), lang="en")
    one_line_refusal(result, name, ".xlsx")
    assert result.stdout == ""
    assert not (env.root / name).exists()


def test_annotate_keeps_validations_exit_code(env):
    """An annotated copy named in capitals is still an .xlsx; the exit code is validation's: 1 with an error."""
    built = env.build()
    path = edit(built, "inventory", "XC", "XC-C01", "发展阶段", "很好", out=env.root / "in.xlsx")
    result = env.run("validate", str(path), "--annotate", str(env.root / "CHECKED.XLSX"))
    assert result.exit_code == 1, result.stderr
    assert (env.root / "CHECKED.XLSX").is_file()
    clean = env.run("validate", str(built), "--annotate", str(env.root / "clean.xlsx"))
    assert clean.exit_code == 0 and (env.root / "clean.xlsx").is_file()


@pytest.mark.parametrize("inside", ["", "new"])
def test_annotate_into_a_folder_it_cannot_write_is_refused_before_validating(env, inside):
    """An annotated copy into a folder this user may not write (or may not make a new folder in) is refused
    before anything is validated: no report on stdout followed by an error, exit 2. A folder not there yet, in
    one it may write, is made."""
    built = env.build()
    folder = env.root / "rodir"
    folder.mkdir()
    folder.chmod(0o555)
    target = folder / inside / "x.xlsx"
    try:
        done = subprocess.run([*_without_override(), sys.executable, "-m", "workbook.cli", "--store", env.store,
                               "--lang", "en", "validate", str(built), "--annotate", str(target), "--format", "json"],
                              cwd=env.root, capture_output=True, text=True, timeout=600)
    finally:
        folder.chmod(0o755)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr and str(folder) in lines[0], done.stderr
    assert "--annotate" in lines[0] and "nothing was validated" in lines[0]
    assert not target.exists()
    made = env.run("validate", str(built), "--annotate", str(env.root / "new" / "x.xlsx"))
    assert made.exit_code == 0 and (env.root / "new" / "x.xlsx").is_file()


def test_a_failed_annotation_keeps_the_file_that_was_there(env):
    """The marked copy is put in place whole or not at all: a file already at its name (a previous marked copy,
    say) is kept when the copy cannot be made, and no half-written one is left."""
    built = env.build()
    marked = env.root / "marked.xlsx"
    marked.write_bytes(b"the marked copy of last week")
    broken = env.root / "broken.xlsx"
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():  # a return openpyxl cannot open although the checks read it: no styles part
            if info.filename != "xl/styles.xml":
                dst.writestr(info, src.read(info))
    done = env.run("validate", str(broken), "--annotate", str(marked), lang="en")
    assert done.exit_code == 2, done.stdout + done.stderr
    assert marked.read_bytes() == b"the marked copy of last week"
    left = sorted(p.name for p in env.root.iterdir() if p.suffix == ".xlsx")
    assert left == ["broken.xlsx", "marked.xlsx", "wb.xlsx"]


# -- 5: outputs named for what they are ----------------------------------------------------------
def test_report_pdf_named_pdf_is_refused_naming_the_right_name(env):
    """`report -o rep.pdf --pdf` used to write a workbook named .pdf, no PDF, and print the path twice."""
    result = env.run("report", "-o", str(env.root / "rep.pdf"), "--pdf", lang="en")
    one_line_refusal(result, "rep.xlsx")
    assert result.stdout == ""
    assert not (env.root / "rep.pdf").exists() and not (env.root / "rep.xlsx").exists()
    plain = env.run("report", "-o", str(env.root / "rep.pdf"))
    one_line_refusal(plain, "rep.pdf", ".xlsx")
    assert not (env.root / "rep.pdf").exists()


def test_status_and_build_refuse_an_output_not_named_xlsx(env):
    env.run("round", "open", "R1", "--due", "2030-01-31", "-o", str(env.root / "R1"))
    status = env.run("status", "-o", str(env.root / "t.pdf"))
    one_line_refusal(status, "t.pdf", ".xlsx")
    assert status.stdout == "" and not (env.root / "t.pdf").exists()
    issued = len(json.loads(env.run("status", "--format", "json").stdout)["regions"])
    build = env.run("build", "-o", str(env.root / "wb.pdf"), lang="en")
    one_line_refusal(build, "wb.pdf", "wb.xlsx")
    assert not (env.root / "wb.pdf").exists()
    split = env.run("build", "--split", "-o", str(env.root / "out.xlsx"))
    one_line_refusal(split, "out.xlsx", "--split")
    assert not (env.root / "out.xlsx").exists()
    assert len(json.loads(env.run("status", "--format", "json").stdout)["regions"]) == issued
    assert env.run("build", "-o", str(env.root / "WB.XLSX")).exit_code == 0


def test_an_output_that_is_a_folder_is_said_to_be_one(env):
    """`build -o outdir` with outdir a folder: a folder, not a name missing .xlsx, and --split is the way to
    write into it; the same for the other outputs, each with its own kind of file."""
    (env.root / "outdir").mkdir()
    build = env.run("build", "-o", str(env.root / "outdir"), lang="en")
    one_line_refusal(build, "is a folder", ".xlsx", "--split")
    assert "outdir.xlsx" not in build.stderr and not list((env.root / "outdir").iterdir())
    for args, suffix in ((["export", "--format", "json"], ".json"), (["status"], ".xlsx"), (["report"], ".xlsx"),
                         (["validate", str(env.build()), "--annotate"], ".xlsx")):
        result = env.run(*args, *([] if args[0] == "validate" else ["-o"]), str(env.root / "outdir"), lang="en")
        assert result.exit_code == 2, result.stdout + result.stderr
        assert "is a folder" in result.stderr and suffix in result.stderr and "outdir." not in result.stderr
        assert "--split" not in result.stderr and result.stdout == ""


def test_report_as_json_refuses_options_of_the_workbook(env):
    """--format json prints the figures on stdout: -o and --pdf, which are the workbook's, are refused, not
    ignored."""
    for extra in (["-o", "r.xlsx"], ["--pdf"], ["-o", "r.pdf", "--pdf"]):
        result = env.run("report", "--format", "json", *extra, lang="en")
        one_line_refusal(result, "--format json", "stdout")
        assert result.stdout == "" and not list(env.root.glob("r.*"))
    assert json.loads(env.run("report", "--format", "json").stdout)["revision"] == 1


@pytest.mark.parametrize(("name", "fmt", "right"), [("x.xlsx", "json", "x.json"), ("x.pdf", "json", "x.json"),
                                                    ("x.json", "csv", "x"), ("x.xlsx", "csv", "x")])
def test_export_refuses_a_name_its_format_does_not_write(env, name, fmt, right):
    result = env.run("export", "-o", str(env.root / name), "--format", fmt, lang="en")
    one_line_refusal(result, name, right)
    assert not (env.root / name).exists()


def test_export_names_that_fit(env):
    assert env.run("export", "-o", str(env.root / "ALL.JSON"), "--format", "json").exit_code == 0
    assert json.loads((env.root / "ALL.JSON").read_text(encoding="utf-8"))["revision"] == 1
    assert env.run("export", "-o", str(env.root / "tables")).exit_code == 0
    assert (env.root / "tables").is_dir()


# -- 6: a read-only store -------------------------------------------------------------------------
def _without_override() -> list[str]:
    """What to run a command through so that file modes bind it: nothing, or as root setpriv without the
    capabilities that let root override them."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        if IN_CI:
            pytest.fail("setpriv (util-linux) is needed to test file modes as root")
        pytest.skip("setpriv (util-linux) is needed to test file modes as root")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def run_read_only(env, *args: str, lang: str | None = None, folder: bool = False) -> subprocess.CompletedProcess:
    """The command, in its own process, on a store the system does not let it write: the file's mode 0444 (or
    its folder's 0555, `folder`). Root ignores modes, so as root it runs without the capabilities that let root
    override them (setpriv), as a coordinator's own account would on a copy of the store from a share."""
    store = Path(env.store)
    drop = _without_override()
    if folder:  # a copy of the store in a folder of its own, the folder read-only (SQLite needs it for its journal)
        (env.root / "share").mkdir(exist_ok=True)
        store = Path(shutil.copy(store, env.root / "share" / store.name))
    (store.parent if folder else store).chmod(0o555 if folder else 0o444)
    argv = [*drop, sys.executable, "-m", "workbook.cli", "--store", str(store), *(["--lang", lang] if lang else []),
            *args]
    try:
        return subprocess.run(argv, cwd=env.root, capture_output=True, text=True, timeout=600)
    finally:
        store.parent.chmod(0o755)
        store.chmod(0o644)


def refused_read_only(done: subprocess.CompletedProcess, env, lang: str = "zh") -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert Path(env.store).name in lines[0] and "INSERT" not in lines[0] and "UPDATE" not in lines[0]
    assert ("只读" in lines[0]) if lang == "zh" else ("read-only" in lines[0])


@pytest.fixture
def round_opened(env):
    opened = json.loads(env.run("round", "open", "R1", "--due", "2030-01-31", "-o", str(env.root / "R1"),
                                "--format", "json").stdout)
    return {w["region"]: Path(w["path"]) for w in opened["workbooks"]}


def test_write_commands_on_a_read_only_store_say_so_in_one_line(env, round_opened):
    revision = env.json("log")["entries"][0]["revision"]
    sx = edit(round_opened["SX"], "inventory", "SX", "SX-C02", "发展阶段", "成长期", out=env.root / "sx.xlsx")
    build = run_read_only(env, "build", "-o", "wb.xlsx")
    refused_read_only(build, env)
    assert not (env.root / "wb.xlsx").exists()  # a workbook the store never registered can never be returned
    split = run_read_only(env, "build", "--split", "-o", "split", lang="en", folder=True)
    refused_read_only(split, env, "en")
    assert not list(env.root.glob("split/*.xlsx"))
    refused_read_only(run_read_only(env, "round", "open", "R2", "--due", "2030-01-31", "-o", "R2"), env)
    assert not list(env.root.glob("R2/*.xlsx"))
    refused_read_only(run_read_only(env, "merge", str(sx), lang="en"), env, "en")
    refused_read_only(run_read_only(env, "round", "close", "R1"), env)
    # nothing changed
    assert env.json("log")["entries"][0]["revision"] == revision
    assert [r["name"] for r in env.json("round", "list")["rounds"]] == ["R1"]
    assert env.json("round", "list")["rounds"][0]["state"] == "open"


def test_read_commands_work_on_a_read_only_store(env, round_opened):
    for args in (["status"], ["log", "--limit", "3"], ["schema"], ["round", "list"],
                 ["export", "-o", "all.json", "--format", "json"], ["export", "-o", "tables"],
                 ["report", "-o", "report.xlsx"], ["status", "-o", "tracker.xlsx"]):
        done = run_read_only(env, *args)
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert (env.root / "all.json").is_file() and (env.root / "report.xlsx").is_file()
    # validate checks the file; it cannot record the attempt, and says so clearly, as a warning
    done = run_read_only(env, "validate", str(round_opened["XC"]), "--format", "json", lang="en")
    assert done.returncode == 0, done.stderr
    issues = json.loads(done.stdout)["files"][0]["issues"]
    assert [i["code"] for i in issues] == ["attempt_not_recorded_read_only"]
    message = issues[0]["message"]
    assert "read-only" in message and env.store in message and "R1" in message
    assert "readonly database" not in message  # the driver's words are not the user's
    zh = run_read_only(env, "validate", str(round_opened["XC"]))
    assert zh.returncode == 0 and "只读" in zh.stdout, zh.stdout
    assert {r["region"]: r["attempts"] for r in env.json("status")["regions"]}["XC"] == 0


def test_merge_dry_run_works_on_a_read_only_store(env, round_opened):
    """A dry run changes nothing but its attempt: on a read-only store it shows what would change, as validate
    checks, and says (a warning) that the attempt could not be recorded."""
    sx = edit(round_opened["SX"], "inventory", "SX", "SX-C02", "发展阶段", "成长期", out=env.root / "sx.xlsx")
    done = run_read_only(env, "merge", "--dry-run", str(sx), "--format", "json", lang="en")
    assert done.returncode == 0, done.stderr
    [file] = json.loads(done.stdout)["files"]
    assert not file["applied"] and len(file["changes"]) == 1
    assert [i["code"] for i in file["issues"]] == ["attempt_not_recorded_read_only"]
    assert "read-only" in file["issues"][0]["message"] and "R1" in file["issues"][0]["message"]
    text = run_read_only(env, "merge", "--dry-run", str(sx))
    assert text.returncode == 0 and "只读" in text.stdout, text.stdout + text.stderr
    assert {r["region"]: r["attempts"] for r in env.json("status")["regions"]}["SX"] == 0
    dry = env.json("merge", "--dry-run", str(sx))  # writable again: the attempt is recorded, nothing merged
    assert dry["ok"] and not dry["files"][0]["issues"]
    assert {r["region"]: r["attempts"] for r in env.json("status")["regions"]}["SX"] == 1


@contextmanager
def _pg_store(env, pg_server, prefix: str) -> Iterator:
    """A store of its own on the test's PostgreSQL server (a database the test may set read-only or give a
    trigger), created with `init`; dropped afterwards."""
    from .conftest import Env

    database = prefix + os.urandom(4).hex()
    pg_server.create_database(database)
    try:
        pg = Env(env.root / "pg", pg_server, database)
        pg.root.mkdir()
        assert pg.run("init").exit_code == 0
        yield pg
    finally:
        pg_server.drop_database(database)


def test_a_read_only_postgresql_database_is_refused_in_one_line(env, pg_server):
    """A PostgreSQL store that refuses writes (a standby, a database set read-only): the same one line."""
    with _pg_store(env, pg_server, "t_ro_") as pg:
        database = pg.database
        revision = pg.json("log")["entries"][0]["revision"]
        with pg_server.admin() as c:
            c.execute(f"ALTER DATABASE {database} SET default_transaction_read_only = on")
        result = pg.run("build", "-o", str(pg.root / "wb.xlsx"), lang="en")
        assert result.exit_code == 2, result.stderr
        assert "read-only" in result.stderr and "internal error" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not (pg.root / "wb.xlsx").exists()
        assert pg.run("status").exit_code == 2  # no round yet: a read, refused for what it is
        assert pg.json("log")["entries"][0]["revision"] == revision


def test_a_select_only_postgresql_role_is_refused_in_one_line(env, pg_server):
    """A role granted SELECT only (a reader's account): a write is refused as on a read-only store, in one line,
    with nothing left behind; what it may read still works. A role that may not even read gets one line too."""
    role = "ro_" + os.urandom(4).hex()
    try:
        with _pg_store(env, pg_server, "t_sel_") as pg:
            database = pg.database
            assert pg.run("round", "open", "R1", "--due", "2030-01-31", "-o", str(pg.root / "R1")).exit_code == 0
            revision = pg.json("log")["entries"][0]["revision"]
            pg.sql(f"CREATE ROLE {role} LOGIN PASSWORD 'pw-{role}'")
            pg.sql(f"GRANT CONNECT ON DATABASE {database} TO {role}")
            pg.sql(f"GRANT USAGE ON SCHEMA public TO {role}")
            pg.sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
            admin = pg.store
            pg.store = admin.replace(f"{pg_server.user}:{pg_server.password}", f"{role}:pw-{role}")
            r2 = ["round", "open", "R2", "--due", "2030-01-31", "-o", str(pg.root / "R2")]
            for args, made in ((["build", "-o", str(pg.root / "wb.xlsx")], "wb.xlsx"), (r2, "R2/*.xlsx")):
                result = pg.run(*args, lang="en")
                one_line_refusal(result, "read-only")
                assert "INSERT" not in result.stderr and "DELETE" not in result.stderr
                assert f"pw-{role}" not in result.stderr
                assert not list(pg.root.glob(made))
            assert pg.run("status").exit_code == 0
            ro, pg.store = pg.store, admin
            pg.sql(f"REVOKE SELECT ON cwb_audit FROM {role}")
            pg.store = ro
            denied = pg.run("log", lang="en")  # not a write: an internal error, still one line, password masked
            assert denied.exit_code == 2 and len(denied.stderr.strip().splitlines()) == 1, denied.stderr
            assert "internal error" in denied.stderr and "cwb_audit" in denied.stderr
            assert f"pw-{role}" not in denied.stderr and "Traceback" not in denied.output
            pg.store = admin
            assert pg.json("log")["entries"][0]["revision"] == revision
    finally:
        with pg_server.admin() as c:
            c.execute(f"DROP ROLE IF EXISTS {role}")


def test_a_build_that_fails_at_its_commit_leaves_no_file_and_keeps_the_one_there(env, pg_server):
    """The registration of the workbooks fails at the commit itself (as when the server is lost then; here a
    deferred check the commit runs): no workbook the store does not know is left, no half-written one, and a
    file that was at the output path before is as it was."""
    with _pg_store(env, pg_server, "t_commit_") as pg:
        pg.sql("CREATE FUNCTION cwb_test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
               "$$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$")
        pg.sql("CREATE CONSTRAINT TRIGGER cwb_test_at_commit AFTER INSERT ON cwb_workbooks DEFERRABLE INITIALLY "
               "DEFERRED FOR EACH ROW EXECUTE FUNCTION cwb_test_refuse()")
        mine = pg.root / "wb.xlsx"
        mine.write_bytes(b"a file of the user's")
        (pg.root / "R1").mkdir()
        theirs = pg.root / "R1" / "R1-XC-许昌市.xlsx"
        theirs.write_bytes(b"another file of the user's")
        for args in (["build", "-o", str(mine)], ["build", "--split", "-o", str(pg.root / "split")],
                     ["round", "open", "R1", "--due", "2030-01-31", "-o", str(pg.root / "R1")]):
            result = pg.run(*args, lang="en")
            assert result.exit_code == 2, result.stdout + result.stderr
            said = [line for line in result.stderr.splitlines() if not line.startswith("writing ")]
            assert len(said) == 1 and "refused at commit" in said[0], result.stderr
        assert mine.read_bytes() == b"a file of the user's"
        assert theirs.read_bytes() == b"another file of the user's"
        assert sorted(p.name for p in pg.root.rglob("*") if p.is_file()) == ["R1-XC-许昌市.xlsx", "wb.xlsx"]
        assert pg.sql("SELECT count(*) FROM cwb_workbooks") == [(0,)]
        assert pg.sql("SELECT count(*) FROM cwb_rounds") == [(0,)]


# -- 8: a folder of returns -----------------------------------------------------------------------
def test_a_folder_says_which_subfolders_it_did_not_read(env):
    built = env.build()
    folder = env.root / "returns"
    (folder / "旧").mkdir(parents=True)
    shutil.copy(built, folder / "a.xlsx")
    shutil.copy(built, folder / "旧" / "a-old.xlsx")
    for command in ("validate", "merge"):
        result = env.run(command, str(folder), "--format", "json")
        assert result.exit_code == 0, result.stderr
        assert [Path(f["path"]).name for f in json.loads(result.stdout)["files"]] == ["a.xlsx"]
        assert "旧" in result.stderr and "未读取" in result.stderr, result.stderr
    en = env.run("validate", str(folder), lang="en")
    assert "旧" in en.stderr and "not read" in en.stderr


def test_a_folder_says_which_files_it_did_not_read(env):
    """Returns saved as .xls or .xlsm are not read: the note names them and says to save them as .xlsx; a lock
    file (~$…) or a hidden file is nobody's return and goes unsaid."""
    built = env.build()
    folder = env.root / "returns"
    (folder / "旧").mkdir(parents=True)
    shutil.copy(built, folder / "c.xlsx")
    for name in ("a.xls", "b.xlsm", "~$c.xlsx", ".DS_Store"):
        (folder / name).write_bytes(b"x")
    result = env.run("validate", str(folder), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [Path(f["path"]).name for f in json.loads(result.stdout)["files"]] == ["c.xlsx"]
    [note] = result.stderr.strip().splitlines()
    assert "a.xls" in note and "b.xlsm" in note and "另存为" in note and ".xlsx" in note and "旧" in note, note
    assert "~$c.xlsx" not in note and ".DS_Store" not in note
    en = env.run("merge", "--dry-run", str(folder), lang="en")
    [note] = [line for line in en.stderr.splitlines() if "a.xls" in line]
    assert "b.xlsm" in note and "save" in note and "Excel workbook (.xlsx)" in note, en.stderr


def test_a_folder_without_a_workbook_file_is_refused(env):
    """A folder whose only entry is a directory named old.xlsx holds no workbook: usage_no_workbook, exit 2."""
    folder = env.root / "returns"
    (folder / "old.xlsx").mkdir(parents=True)
    for command in ("validate", "merge"):
        result = env.run(command, str(folder))
        assert result.exit_code == 2, result.stdout + result.stderr
        assert "没有找到 .xlsx 工作簿" in result.stderr and "old.xlsx" in result.stderr
        assert "Traceback" not in result.output
