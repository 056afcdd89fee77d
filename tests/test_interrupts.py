"""Ctrl-C in the middle of a folder merge: exit 130 and one line, every file reported finished kept, the file in
flight all or nothing, no process of the command left running, and the same merge run again applies the rest."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from workbook.core.messages import t

from .conftest import ID_TITLES, edit, processes_left, sheet_by_kind

pytestmark = pytest.mark.both_stores

ROOT = Path(__file__).resolve().parent.parent
PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] ")
FIELDS = ("进展说明", "责任单位", "英文标题")  # one per build: edits of the same record that never conflict


def returns_folder(env, tmp_path: Path) -> list[Path]:
    """A folder of fifteen returns: three builds of every region, each with one change of its own."""
    folder = tmp_path / "returns"
    folder.mkdir()
    for k, header in enumerate(FIELDS):
        built = tmp_path / f"build{k}"
        assert env.run("build", "--split", "-o", str(built)).exit_code == 0
        for path in sorted(built.iterdir()):
            region = path.name.split("-")[2]
            ws = sheet_by_kind(openpyxl.load_workbook(path), "recommendations", region)
            id_column = next(c.column for c in ws[1] if c.value in ID_TITLES)
            record = ws.cell(row=2, column=id_column).value
            edit(path, "recommendations", region, record, header, f"已核实 {k}", out=folder / f"{k}-{region}.xlsx")
    return sorted(folder.iterdir())


@dataclass
class Run:
    code: int
    stderr: list[str]
    stdout: str
    first_progress: float  # seconds from the start to the first progress line
    took: float
    left: list[int]  # processes of the command's session still running after it ended


def merge(env, folder: Path, *, interrupt_after: float | None = None, whole_group: bool = True,
          guard_aside: bool = False, lang: str | None = None) -> Run:
    """`merge FOLDER` in its own session; `interrupt_after` seconds after its first progress line, SIGINT to its
    process group (as Ctrl-C in a terminal) or to the command's own process only."""
    environ = dict(os.environ)
    if guard_aside:  # every file taken as large: the whole store read while it is checked
        environ["CLUSTER_WB_GUARD_ASIDE_BYTES"] = "0"
    start = time.monotonic()
    argv = [sys.executable, "-m", "workbook.cli", "--store", env.store, *(["--lang", lang] if lang else [])]
    proc = subprocess.Popen([*argv, "merge", str(folder)],
                            cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    lines: list[str] = []
    progressing = threading.Event()
    first = {"at": 0.0}

    def read_stderr() -> None:
        for line in proc.stderr:
            if PROGRESS.match(line) and not progressing.is_set():
                first["at"] = time.monotonic() - start
                progressing.set()
            lines.append(line.rstrip("\n"))
        progressing.set()

    reader = threading.Thread(target=read_stderr)
    reader.start()
    if interrupt_after is not None:
        progressing.wait(60)
        time.sleep(interrupt_after)
        try:
            if whole_group:
                os.killpg(proc.pid, signal.SIGINT)
            else:
                os.kill(proc.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
    stdout = proc.stdout.read()
    code = proc.wait(60)
    took = time.monotonic() - start
    reader.join(60)
    return Run(code, lines, stdout, first["at"], took, processes_left(3.0, session=proc.pid))


def merged(env, names: list[str]) -> list[str]:
    """The files of `names` merged into the store (by the log), each must be once."""
    sources = {}
    for entry in env.json("log", code=0)["entries"]:
        if entry["source"] in names:
            sources.setdefault(entry["source"], set()).add(entry["revision"])
    assert all(len(revisions) == 1 for revisions in sources.values()), sources
    return [name for name in names if name in sources]


def changes(env) -> set[tuple]:
    return {(e["source"], e["record"], e["field"], str(e["new"])) for e in env.json("log", code=0)["entries"]}


def check_interrupted(env, run: Run, names: list[str], lang: str = "zh") -> None:
    """What the user sees and what the store holds agree: exit 130 and one line after the progress (or a merge
    that ended before the signal), the files reported finished in the store, the one in flight whole or absent."""
    everything = "\n".join(run.stderr) + run.stdout
    assert "Traceback" not in everything and "internal error" not in everything, everything
    assert not run.left, f"processes of the interrupted merge still running: {run.left}"
    progress = [line for line in run.stderr if PROGRESS.match(line)]
    assert run.stderr[:len(progress)] == progress, run.stderr  # the progress lines come first
    done = merged(env, names)
    assert done == names[:len(done)], done  # files are merged in order: the ones done are the first ones
    if run.code == 130:
        assert run.stderr[len(progress):] == [f"cluster-wb: {t('interrupted_merge', lang)}"], run.stderr
        # [k/N] shown: the k-1 files before it finished; the k-th was in flight, all or nothing
        assert len(progress) - 1 <= len(done) <= len(progress), (run.stderr, done)
    else:
        assert run.code == 0, everything  # the merge ended before the signal reached it
        assert len(done) == len(names)


def _merged_whole(env, tmp_path: Path):
    """A folder of returns merged once without an interrupt, for reference: the files' names, the folder, the
    store as it was before (to restore), that merge's run and the changes it made."""
    env.run("init")
    paths = returns_folder(env, tmp_path)
    names = [p.name for p in paths]
    folder = paths[0].parent
    pristine = env.save("pristine")
    whole = merge(env, folder)
    assert whole.code == 0, whole.stderr
    return names, folder, pristine, whole, changes(env)


@pytest.mark.one_store  # a loop of interrupted commands; the back end's part is tested once below
def test_ctrl_c_anywhere_in_a_folder_merge_keeps_the_finished_files(env, tmp_path):
    names, folder, pristine, whole, expected = _merged_whole(env, tmp_path)
    assert merged(env, names) == names
    span = max(whole.took - whole.first_progress, 0.05)
    runs = 16
    for i in range(runs):
        env.restore(pristine)
        delay = span * 1.1 * i / (runs - 1)
        whole_group = i % 4 != 3  # Ctrl-C reaches the whole process group; `kill -INT` only the command
        lang = "en" if i % 5 == 4 else None  # the line follows --lang (Chinese by default)
        run = merge(env, folder, interrupt_after=delay, whole_group=whole_group, guard_aside=i % 2 == 1, lang=lang)
        where = f"run {i}: SIGINT {delay:.3f}s after the first progress, to the {'group' if whole_group else 'pid'}"
        try:
            check_interrupted(env, run, names, lang or "zh")
        except AssertionError as exc:
            raise AssertionError(f"{where}: {exc}") from None
        again = merge(env, folder)  # the rest applied; the files merged already apply nothing
        assert again.code == 0, (where, again.stderr)
        assert changes(env) == expected, where
        assert merged(env, names) == names, where


def test_ctrl_c_in_the_middle_of_a_folder_merge(env, tmp_path):
    """Once on each back end: the interrupt in the middle, then the merge run again."""
    names, folder, pristine, whole, expected = _merged_whole(env, tmp_path)
    env.restore(pristine)
    run = merge(env, folder, interrupt_after=(whole.took - whole.first_progress) / 2, guard_aside=True)
    check_interrupted(env, run, names)
    assert merge(env, folder).code == 0
    assert changes(env) == expected and merged(env, names) == names



# A process that starts the guard's check of a file in a child process (as a single large file's merge does),
# then sends Ctrl-C to its whole process group, as a terminal would.
GUARDED = textwrap.dedent("""
    import multiprocessing, os, signal, sys, time
    from workbook.core import interrupts
    from workbook.xlsx import guard
    interrupts.take_over()
    waiting = guard.start_check(sys.argv[1], aside_from=0)
    [child] = multiprocessing.active_children()
    seen = None
    while seen is None:  # the child ignores SIGINT as its first act
        try:
            status = open(f"/proc/{child.pid}/status").read()
        except OSError:
            break
        if int(status.split("SigIgn:")[1].split()[0], 16) & (1 << (signal.SIGINT - 1)):
            seen = child.pid
    print(f"ignoring {seen}", flush=True)
    try:
        os.killpg(0, signal.SIGINT)
        time.sleep(1)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        waiting()  # the child, untouched by the signal, still answers
        print("checked", flush=True)
""")


@pytest.mark.one_store  # no store involved
def test_the_guards_child_ignores_ctrl_c(env):
    """Only its parent takes the interrupt; the check it was doing still answers."""
    national = env.build("national.xlsx")
    proc = subprocess.run([sys.executable, "-c", GUARDED, str(national)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, start_new_session=True)
    lines = proc.stdout.split()
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0] == "ignoring" and lines[1] != "None", proc.stdout
    assert lines[2:] == ["interrupted", "checked"], proc.stdout


# A Ctrl-C that lands where Python cannot simply raise it, sent from inside that code so that the handler runs
# there every time. Code run from source text (`exec`/`eval` of a string: how `dataclass` and `namedtuple` make
# their methods, as a module imported late, such as rich for the summary, defines its classes): CPython marks a
# KeyboardInterrupt that leaves it as unhandled for the whole process, and, caught or not, the process then ends
# killed by SIGINT (exit -2) instead of with the code it chose. A finalizer or a weakref callback (importlib's
# module locks have one): Python prints an exception raised there as "Exception ignored" and drops it, so the
# command went on as if never interrupted. Run as `python -m`, as the command is (run as a script or with -c,
# Python exits through a path that does not look at that mark).
TRIPPED = {
    "exec": 'exec("import os, signal; os.kill(os.getpid(), signal.SIGINT); made = 1")',
    "finalizer": textwrap.dedent("""\
        class Finalized:
            def __del__(self):
                os.kill(os.getpid(), signal.SIGINT)
                pause()
        def pause():
            pass
        Finalized()"""),
}
INTERRUPTED_IN = textwrap.dedent("""
    import os, signal, sys, textwrap, time
    from workbook.core import interrupts
    interrupts.take_over()
    try:
        exec(compile(textwrap.dedent(sys.argv[1]), "tripped.py", "exec"))  # a code object: runs as a module would
        time.sleep(5)
        print("not interrupted", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
""")


@pytest.mark.one_store  # no store involved
@pytest.mark.parametrize("where", TRIPPED)
def test_ctrl_c_where_python_cannot_raise_it_still_exits_130(tmp_path, where):
    (tmp_path / "interrupted_in.py").write_text(INTERRUPTED_IN)
    environ = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)])}
    proc = subprocess.run([sys.executable, "-m", "interrupted_in", TRIPPED[where]], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=60, start_new_session=True)
    assert (proc.returncode, proc.stdout, proc.stderr) == (130, "interrupted\n", "")


# Waits: another writer holds the writers' lock (a merge, a `schema apply`, an administrator's session), or a
# reader keeps a SQLite commit waiting. A Ctrl-C there ends the command at once, unless finished files sit in a
# SQLite batch not yet committed: then the first waits for the commit and a second ends it at once.

def small_folder(env, tmp_path: Path) -> list[Path]:
    """A folder of five returns, one per region, each with one change of its own."""
    built, folder = tmp_path / "built", tmp_path / "small"
    assert env.run("build", "--split", "-o", str(built)).exit_code == 0
    folder.mkdir()
    for path in sorted(built.iterdir()):
        region = path.name.split("-")[2]
        ws = sheet_by_kind(openpyxl.load_workbook(path), "recommendations", region)
        id_column = next(c.column for c in ws[1] if c.value in ID_TITLES)
        record = ws.cell(row=2, column=id_column).value
        edit(path, "recommendations", region, record, "进展说明", "已核实", out=folder / path.name)
    return sorted(folder.iterdir())


class Holder:
    """Another session of the store holding the writers' lock in an open transaction: SQLite `BEGIN IMMEDIATE`,
    PostgreSQL the advisory lock every writer of cluster-wb queues for (or a lock on `table`, as a long
    `schema apply` or an administrator's session holds one)."""

    def __init__(self, env, table: str | None = None):
        self.env = env
        if env.backend == "sqlite":
            import sqlite3
            self.conn = sqlite3.connect(env.store, isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            import psycopg

            from workbook.store.tables import PG_WRITE_LOCK
            self.conn = psycopg.connect(env.store)
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (PG_WRITE_LOCK,))
            if table:
                self.conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")

    def wait_for_a_waiter(self, timeout: float = 30) -> None:
        """Until a command queues behind the lock (PostgreSQL says so in pg_locks; SQLite cannot: a while)."""
        if self.env.backend == "sqlite":
            time.sleep(2)
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.env.sql("SELECT count(*) FROM pg_locks WHERE NOT granted")[0][0]:
                time.sleep(0.3)  # well inside the wait
                return
            time.sleep(0.1)
        raise AssertionError("no command queued behind the writers' lock")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def command(env, *args: str) -> tuple[subprocess.Popen, list[str]]:
    """The command line in its own session (as a terminal runs it); its stderr lines, collected as they come."""
    proc = subprocess.Popen([sys.executable, "-m", "workbook.cli", "--store", env.store, *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines: list[str] = []

    def read() -> None:
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    return proc, lines


def ctrl_c(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGINT)


def ended_within(proc: subprocess.Popen, seconds: float) -> int:
    """Its exit code, asserting it ended within `seconds`."""
    try:
        return proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"still running {seconds} s after Ctrl-C") from None


def interrupted_line(lines: list[str], key: str) -> None:
    time.sleep(0.2)  # the reader thread has the last lines
    said = [line for line in lines if not PROGRESS.match(line)]
    assert said == [f"cluster-wb: {t(key, 'zh')}"], lines


def test_ctrl_c_while_a_merge_waits_for_another_writer(env, tmp_path):
    """Reported: behind another session's lock, Ctrl-C was held back until the lock was released (21 s), and
    every further Ctrl-C too."""
    env.run("init")
    folder = small_folder(env, tmp_path)[0].parent
    before = env.json("log", code=0)
    holder = Holder(env)
    try:
        proc, lines = command(env, "merge", str(folder))
        holder.wait_for_a_waiter()
        assert proc.poll() is None, lines  # it waits
        ctrl_c(proc)
        assert ended_within(proc, 3) == 130, lines
        interrupted_line(lines, "interrupted_merge")
        assert not processes_left(3.0, session=proc.pid)
    finally:
        holder.release()
    assert env.json("log", code=0) == before  # nothing merged


def test_ctrl_c_while_a_build_waits_says_nothing_was_kept(env, tmp_path):
    """Reported: an interrupted build said the files finished before were kept, and to merge again; it removes
    every file it wrote and registers none."""
    env.run("init")
    holder = Holder(env, table="cwb_workbooks")  # PostgreSQL: a build takes no writers' lock, it registers
    out = tmp_path / "out"
    try:
        proc, lines = command(env, "build", "--split", "-o", str(out))
        holder.wait_for_a_waiter()
        assert proc.poll() is None, lines
        ctrl_c(proc)
        assert ended_within(proc, 3) == 130, lines
        said = [line for line in lines if not line.startswith(t("progress_writing", "zh", path=""))]
        assert said == [f"cluster-wb: {t('interrupted', 'zh')}"], lines
    finally:
        holder.release()
    assert not out.exists() or not list(out.iterdir())
    assert env.sql("SELECT count(*) FROM cwb_workbooks") == [(0,)]  # none registered


@pytest.mark.one_store  # SQLite's batch of files committed together
def test_ctrl_c_while_a_batch_commit_waits_for_a_reader(env, tmp_path):
    """A reader keeps the batch's commit waiting: the first Ctrl-C waits for the commit (the files finished are
    kept), a second ends the command at once."""
    import sqlite3

    env.run("init")
    paths = small_folder(env, tmp_path)
    names = [p.name for p in paths]
    pristine = env.save("pristine")
    for insist in (False, True):
        env.restore(pristine)
        proc, lines = command(env, "merge", str(paths[0].parent))
        deadline = time.monotonic() + 30
        while not lines and time.monotonic() < deadline:
            time.sleep(0.01)
        reader = sqlite3.connect(env.store, isolation_level=None, timeout=30)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM cwb_meta").fetchall()  # a shared lock, held
        seen = -1
        while seen != len(lines):  # the merge stops where its commit waits
            seen = len(lines)
            time.sleep(1.5)
        assert proc.poll() is None, lines
        ctrl_c(proc)
        time.sleep(1)
        assert proc.poll() is None, lines  # the first waits for the commit
        if insist:
            ctrl_c(proc)
            assert ended_within(proc, 2) == 130, lines
            interrupted_line(lines, "interrupted_merge")
            reader.rollback()
        else:
            reader.rollback()  # the commit goes through, then the command ends
            assert ended_within(proc, 5) == 130, lines
            interrupted_line(lines, "interrupted_merge")
            progress = [line for line in lines if PROGRESS.match(line)]
            done = merged(env, names)
            assert len(progress) - 1 <= len(done) <= len(progress), (lines, done)
            assert done == names[:len(done)] and done, done
        reader.close()
