"""Shared fixtures: a real store (a SQLite file, or a database on a PostgreSQL server the session starts), real
workbooks, the real command line.

Tests of a module marked `both_stores` run once per back end: `env` gets a fresh SQLite file, or a fresh database
on the throwaway server of `tests/pgserver.py`. Without the server binaries those runs skip, saying how to install
them; on CI (`CI` set) they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from workbook.cli import cli
from workbook.template.schema import load_schema

from .pgserver import INSTALL_HINT, Server, find_bindir

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
UNO_DRIVER = Path(__file__).with_name("uno_driver.py")


def _uno_python() -> str | None:
    """A Python that can import LibreOffice's `uno` (Debian's python3-uno installs it for the system Python)."""
    for candidate in ("/usr/bin/python3", "/usr/lib/libreoffice/program/python", shutil.which("python3")):
        if candidate and Path(candidate).exists() and subprocess.run(
                [candidate, "-c", "import uno"], capture_output=True).returncode == 0:
            return candidate
    return None


UNO_PYTHON = _uno_python() if SOFFICE else None
# Off CI, tests that need LibreOffice skip (with this reason) where it is missing; on CI they run and fail.
IN_CI = bool(os.environ.get("CI"))


BACKENDS = ["sqlite", "postgresql"]


class Env:
    """A working folder with its own store; `run` drives the command line as a user would. `store` is a SQLite
    path or a PostgreSQL URL (with its password), as a user would pass to --store."""

    def __init__(self, root: Path, server: Server | None = None, database: str | None = None):
        self.root = root
        self.server, self.database = server, database
        self.store = server.url(database) if server and database else str(root / "store.sqlite")
        self.backend = "postgresql" if server else "sqlite"

    def sql(self, statement: str, **params: Any) -> list[tuple]:
        """Run one SQL statement on the store, outside cluster-wb (as a database administrator would), in its own
        transaction; the rows it returns."""
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        from workbook.store.connection import resolve_url
        engine = create_engine(resolve_url(self.store)[0], poolclass=NullPool)
        try:
            with engine.begin() as c:
                result = c.execute(text(statement), params)
                return [tuple(r) for r in result] if result.returns_rows else []
        finally:
            engine.dispose()

    def tables(self) -> set[str]:
        from sqlalchemy import create_engine, inspect
        from sqlalchemy.pool import NullPool

        from workbook.store.connection import resolve_url
        engine = create_engine(resolve_url(self.store)[0], poolclass=NullPool)
        try:
            return set(inspect(engine).get_table_names())
        finally:
            engine.dispose()

    def save(self, name: str) -> str:
        """A copy of the store as it is now, to `restore` it from (a file, or a database made from this one)."""
        if self.server is None:
            copy = self.root / f"{name}.sqlite"
            shutil.copy(self.store, copy)
            return str(copy)
        copy = f"{self.database}_{name}"
        _disconnect(self.server, self.database)
        self.server.drop_database(copy)
        self.server.create_database(copy, template=self.database)
        return copy

    def restore(self, saved: str) -> None:
        if self.server is None:
            shutil.copy(saved, self.store)
            return
        self.server.drop_database(self.database)
        self.server.create_database(self.database, template=saved)

    def run(self, *args: str, lang: str | None = None):
        argv = ["--store", self.store] + (["--lang", lang] if lang else []) + list(args)
        cwd = os.getcwd()
        os.chdir(self.root)
        try:
            result = CliRunner().invoke(cli, argv, catch_exceptions=False)
        finally:
            os.chdir(cwd)
        return result

    def json(self, *args: str, lang: str | None = None, code: int | None = None) -> dict:
        result = self.run(*args, "--format", "json", lang=lang)
        if code is not None:
            assert result.exit_code == code, result.output + result.stderr
        return json.loads(result.stdout)

    def build(self, name: str = "wb.xlsx", *extra: str, lang: str | None = None) -> Path:
        path = self.root / name
        result = self.run("build", "-o", str(path), *extra, lang=lang)
        assert result.exit_code == 0, result.stderr
        return path


def _disconnect(server: Server, database: str) -> None:
    """End every session on a database (a template must have none): commands run in this process may have
    left their pooled connections open."""
    with server.admin() as c:
        c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                  "AND pid <> pg_backend_pid()", (database,))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marked = metafunc.definition.get_closest_marker
    if "backend" in metafunc.fixturenames and marked("both_stores") and not marked("one_store"):
        metafunc.parametrize("backend", BACKENDS)


@pytest.fixture
def backend() -> str:
    """The store's back end: SQLite unless the test is marked `both_stores` (then each in turn)."""
    return "sqlite"


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the session, thrown away at its end."""
    bindir = find_bindir()
    if bindir is None:
        if IN_CI:
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    server = Server(bindir)
    yield server
    server.stop()


@pytest.fixture
def env(tmp_path: Path, backend: str, request: pytest.FixtureRequest):
    if backend == "sqlite":
        yield Env(tmp_path)
        return
    server = request.getfixturevalue("pg_server")
    database = f"t_{uuid.uuid4().hex[:12]}"
    server.create_database(database)
    yield Env(tmp_path, server, database)
    with server.admin() as c:
        names = [r[0] for r in c.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (database + "%",))]
    for name in names:
        server.drop_database(name)


def sheet_by_kind(wb: openpyxl.Workbook, kind: str, region: str):
    """The worksheet of a kind and region, through the workbook's defined name (as the reader does)."""
    name = f"_cwb_{kind}_{region}"
    title = list(wb.defined_names[name].destinations)[0][0]
    return wb[title]


def column_of(ws, header: str) -> int:
    for cell in ws[1]:
        if cell.value == header:
            return cell.column
    raise KeyError(header)


ID_TITLES = {t for s in load_schema().sheets for t in (s.field("id").title_zh, s.field("id").title_en)}


def row_of(ws, record: str) -> int:
    """The row of a record, found through the id column wherever it stands."""
    col = next(c.column for c in ws[1] if c.value in ID_TITLES)
    for row in ws.iter_rows(min_col=col, max_col=col):
        if row[0].value == record:
            return row[0].row
    raise KeyError(record)


def edit(path: Path, kind: str, region: str, record: str, header: str, value, out: Path | None = None) -> Path:
    """Change one cell the way an official would (by opening and saving the file)."""
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, kind, region)
    ws.cell(row=row_of(ws, record), column=column_of(ws, header)).value = value
    target = out or path
    wb.save(target)
    return target


def libreoffice_resave(path: Path, outdir: Path) -> Path:
    """Open and save the workbook with a real LibreOffice (headless), as an official's office suite would."""
    assert SOFFICE, "LibreOffice (soffice) is needed: apt-get install libreoffice-calc-nogui"
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path("/tmp") / f"cwb-lo-{uuid.uuid4().hex}"
    try:
        subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--calc",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(path)],
                       check=True, capture_output=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = outdir / (path.stem + ".xlsx")
    assert out.exists()
    return out


def libreoffice_edit(path: Path, out: Path, ops: list[dict]) -> list[dict]:
    """Apply `ops` (see tests/uno_driver.py) to the workbook in a real LibreOffice Calc through UNO, with the
    sheet protection as issued, and save it as .xlsx to `out`. Returns what each operation did."""
    assert SOFFICE and UNO_PYTHON, "LibreOffice with python3-uno is needed: run scripts/system-deps.sh"
    ops_file = out.with_suffix(".ops.json")
    ops_file.write_text(json.dumps(ops, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([UNO_PYTHON, str(UNO_DRIVER), str(path), str(out), str(ops_file)],
                          check=True, capture_output=True, text=True, timeout=240)
    assert out.exists(), done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def processes_left(wait: float, *, session: int | None = None, marker: str | None = None) -> list[int]:
    """Processes (not zombies) still running after giving them `wait` seconds to end: those of the session
    `session` (a command started in a session of its own, its children included), or those with `marker` as an
    argument of their command line (a killed merge's read-ahead worker is forked with its parent's arguments)."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                args = (proc / "cmdline").read_bytes().split(b"\0") if marker is not None else []
            except OSError:
                continue
            in_session = session is not None and int(fields[4]) == session
            if fields[0] != "Z" and (in_session or (marker is not None and marker.encode() in args)):
                found.append(int(proc.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)
