"""Reaching a store (a SQLite file or a PostgreSQL database), its transactions and the writers' lock; a
store that refuses writes, said once.

Ctrl-C (see `core.interrupts`): a wait for a lock is cut at once (SQLite's is taken in Python, `_patiently`;
psycopg cancels its own), which costs only the transaction in flight. A SQLite `batch` queues for the write lock
before its transaction begins, and while that transaction holds finished units it tells `interrupts.holding`:
an interrupt landing in a database call then waits for the call, and the batch commits the finished units."""

from __future__ import annotations

import os
import re
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    create_engine,
    event,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from workbook.core import interrupts
from workbook.core.errors import CwbError
from workbook.store.tables import PG_CONNECT_TIMEOUT, _lock_writes, meta_t

if TYPE_CHECKING:
    from workbook.store import Store


class StoreError(CwbError):
    """The store cannot be opened or used; the message says what to do."""

    http_status = 503  # the portal: the store, not the request, is at fault


WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def read_only(exc: BaseException) -> bool:
    """Whether a database error says the store refuses writes: a SQLite file (or its folder) this process may
    not write, such as a copy on a share; a PostgreSQL standby, a database or role set read-only, or a role
    granted SELECT only (permission denied on a write; denied on a read, it is not that)."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    return (str(getattr(orig, "sqlite_errorname", "")).startswith("SQLITE_READONLY")
            or sqlstate == "25006"  # read_only_sql_transaction
            or (sqlstate == "42501" and bool(WRITE_STATEMENT.match(exc.statement or "")))  # insufficient_privilege
            or "readonly database" in str(orig))


def read_only_error(location: str) -> StoreError:
    """The one refusal of a write to a read-only store: which store, that nothing changed, what still works."""
    return StoreError("store_read_only", store=shown(location))


def store_failure(exc: BaseException, location: str) -> StoreError | None:
    """A database error the person can act on, as a coded refusal: a write to a read-only store, or a
    server-held store lost or out of reach (`store_lost`). None for anything else (an internal error). Both the
    command line and the portal answer through this, once."""
    from sqlalchemy.exc import OperationalError

    if read_only(exc):  # a write to a store that refuses writes (its transaction rolled back)
        return read_only_error(location)
    if isinstance(exc, OperationalError) and "://" in location:
        return StoreError("store_lost", store=shown(location), why=" ".join(str(exc.orig).split()))
    return None


def resolve_url(store: str) -> tuple[str, Path | None]:
    """A plain path means SQLite; a URL is used as it is, `postgresql://` through psycopg 3. Returns the URL and
    the SQLite file, if any."""
    if re.match(r"^[a-z][a-z0-9+]*://", store):
        if store.startswith("sqlite:///"):
            return store, Path(store[len("sqlite:///"):])
        for plain in ("postgresql://", "postgres://"):
            if store.startswith(plain):
                return "postgresql+psycopg://" + store[len(plain):], None
        return store, None
    path = Path(store)
    return f"sqlite:///{path}", path


def shown(store: str) -> str:
    """The store as messages and output show it: a URL's password masked (it comes from the environment or a
    command line, and must not reach a terminal, a log or a report)."""
    if "://" not in store:
        return store
    try:
        return make_url(store).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy can parse: mask whatever sits between : and @
        return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", store)


def scrub(text: str, store: str) -> str:
    """`text` with the store's password, if it carries one, masked (a driver's message could quote it)."""
    try:
        password = make_url(resolve_url(store)[0]).password if "://" in store else None
    except Exception:  # noqa: BLE001
        password = None
    text = text.replace(store, shown(store))
    return text.replace(password, "***") if password else text


def _where(url: str) -> tuple[str, str]:
    """Host and port a PostgreSQL URL names (libpq's defaults where it names none)."""
    u = make_url(url)
    host = u.host or str(u.query.get("host") or "") or "local socket"
    return host, str(u.port or u.query.get("port") or 5432)


SQLITE_BUSY_TIMEOUT = 60  # seconds a SQLite statement waits for another connection's lock
_SQLITE_BUSY_STEP_MS = 50  # one wait inside SQLite; Python runs (and a Ctrl-C is raised) between two


def _patiently(conn: Connection, statement: str) -> None:
    """SQLite: `statement` (a BEGIN IMMEDIATE, a COMMIT), waiting for another connection's lock up to the busy
    timeout, 50 ms at a time. SQLite's own wait sleeps inside one call, where no signal handler runs: a Ctrl-C
    behind another writer, or a commit behind a reader, would wait out the whole minute. The last try runs
    through SQLAlchemy, so that its failure is said as any other of the store's."""
    import sqlite3

    raw = conn.connection.driver_connection
    raw.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_STEP_MS}")
    try:
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT
        while time.monotonic() < deadline:
            try:
                raw.execute(statement)
                return
            except sqlite3.OperationalError as exc:
                if not str(getattr(exc, "sqlite_errorname", "")).startswith("SQLITE_BUSY"):
                    break
        conn.exec_driver_sql(statement)
    finally:
        raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}")


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):  # pragma: no cover - driver hook
            dbapi_conn.isolation_level = None  # let us issue BEGIN ourselves
            dbapi_conn.execute("PRAGMA foreign_keys=ON")
            dbapi_conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}")

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - driver hook
            # Take the write lock at the start: two merges are serialised, never interleaved. A read-only
            # snapshot (`Store.reading`) takes none, so that it does not wait for a writer.
            if conn.get_execution_options().get("cwb_read_only"):
                conn.exec_driver_sql("BEGIN")
            else:
                _patiently(conn, "BEGIN IMMEDIATE")

        @event.listens_for(engine, "commit")
        def _sqlite_commit(conn):  # pragma: no cover - driver hook
            # A commit waits for readers to finish; the driver's commit() that follows finds nothing left to do
            _patiently(conn, "COMMIT")

        return engine
    args: dict[str, Any] = {"application_name": "cluster-wb"}
    if "connect_timeout" not in make_url(url).query:
        args["connect_timeout"] = PG_CONNECT_TIMEOUT
    engine = create_engine(url, connect_args=args)
    event.listen(engine, "connect", lambda dbapi_conn, _record: _server_sockets.add(dbapi_conn))
    return engine


_server_sockets: weakref.WeakSet = weakref.WeakSet()  # this process's open PostgreSQL connections


def _blind_inherited_sockets() -> None:
    """In a forked child (the input guard, the read-ahead worker): point the copies of the parent's PostgreSQL
    sockets at /dev/null. The child never uses them, and a copy held open would keep a killed parent's session,
    and the writers' lock its transaction holds, alive on the server for as long as the child lives. (dup2, not
    close: the numbers stay taken, so nothing the child opens can receive a driver's bytes.)"""
    if not _server_sockets:
        return
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for conn in list(_server_sockets):
            try:
                os.dup2(devnull, conn.fileno())
            except Exception:  # noqa: BLE001, S112 - closed already
                continue
    finally:
        os.close(devnull)


os.register_at_fork(after_in_child=_blind_inherited_sockets)


def _reach(engine: Engine, store: str) -> Connection:
    """A connection, or a refusal that names the server (host and port) and why it cannot be reached."""
    try:
        return engine.connect()
    except OperationalError as exc:
        if engine.dialect.name == "sqlite":
            raise StoreError("store_connect", store=shown(store), why=scrub(str(exc.orig), store)) from None
        host, port = _where(engine.url.render_as_string(hide_password=False))
        why = " ".join(scrub(str(exc.orig), store).split())
        raise StoreError("store_unreachable", store=shown(store), host=host, port=port, why=why) from None


class Batch:
    """The outer transaction of `Store.batch`: begun on the first unit of work, committed now and then. While
    it is open, the connection holds finished units not yet committed: `interrupts.holding` says so."""

    def __init__(self, conn: Connection | None, every: float):
        self.conn, self.every = conn, every
        self.started: float | None = None

    def begin(self) -> None:
        if self.conn is None:
            return
        if not self.conn.in_transaction():
            self.conn.begin()  # queues for the write lock: nothing is held yet, a Ctrl-C ends the wait
            interrupts.holding(True)
        if self.started is None:
            self.started = time.monotonic()

    def commit(self) -> None:
        if self.conn is not None and self.conn.in_transaction():
            self.conn.commit()
        interrupts.holding(False)
        self.started = None

    def commit_after_failure(self) -> None:
        """An error or an interrupt ends the batch: the unit in flight rolled back if its savepoint is still
        open (its context manager cut short by a second Ctrl-C), then the finished units committed. A
        connection SQLAlchemy gave up as broken (a call cut by a second Ctrl-C, or before any unit finished)
        has lost them already, and has nothing to commit."""
        if self.conn is None or self.conn.invalidated:
            return
        while (unit := self.conn.get_nested_transaction()) is not None and unit.is_active:
            unit.rollback()
        self.commit()

    def checkpoint(self) -> None:
        """Commit if the batch has been open for `every` seconds (other writers get their turn)."""
        if self.started is not None and time.monotonic() - self.started >= self.every:
            self.commit()


class Connected:
    """Reaching the store: its connection, transactions and the writers' lock."""

    def __init__(self, engine: Engine, location: str):
        self.engine = engine
        self.location = location
        # PostgreSQL: many writers at once, each queuing only for its commit (see `lock_writes`)
        self.concurrent = engine.dialect.name == "postgresql"
        self._conn: Connection | None = None
        self._batch: Batch | None = None

    @contextmanager
    def transaction(self, snapshot: bool = False) -> Iterator[Store]:
        """All reads and the commit inside run in one write-locked transaction (inside a `batch`, a savepoint
        of it: all or nothing, committed with the batch). On PostgreSQL the lock is taken by the first write
        (`lock_writes`), and after it every read sees every commit; `snapshot`: a transaction that only
        registers what it read (a build) reads one snapshot instead, and must not `commit` a revision."""
        if self._conn is not None:
            if self._batch is None:
                yield self
                return
            self._batch.begin()
            with self._conn.begin_nested():
                yield self
            return
        with self.engine.connect() as conn:
            if snapshot and self.concurrent:
                conn.execution_options(isolation_level="REPEATABLE READ")
            conn.begin()
            self._conn = conn
            try:
                yield self
                conn.commit()
            finally:
                self._conn = None

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """All reads inside see one snapshot, without the write lock: `status` and the report do not wait
        behind a merge or a round being opened (inside a caller's transaction, that one)."""
        if self._conn is not None:
            yield self
            return
        with self.engine.connect() as conn:
            conn.execution_options(cwb_read_only=True)
            if self.concurrent:  # PostgreSQL's default, READ COMMITTED, takes a snapshot per statement
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                self._conn = conn
                try:
                    yield self
                finally:
                    self._conn = None

    @contextmanager
    def batch(self, every: float = 1.0) -> Iterator[Batch]:
        """Several units of work (the files of a folder), each a savepoint, committed together about every
        `every` seconds and at the end: a commit waits for the disk (about 8 ms here), which for a folder of
        300 regions' returns cost more than merging them. A unit that fails is rolled back alone; a kill
        loses only the units since the last commit, none of which was reported. An error that ends the
        batch commits the units done before it."""
        if self._conn is not None or self.concurrent:
            # PostgreSQL: each unit its own transaction. A commit there costs little, and a batch would keep the
            # writers' lock, taken by its first commit, while it plans the next files
            yield Batch(None, every)
            return
        conn = self.engine.connect()
        self._conn = conn
        batch = self._batch = Batch(conn, every)
        try:
            yield batch
            batch.commit()
        except BaseException:
            batch.commit_after_failure()  # the units before the failing one are whole
            raise
        finally:
            interrupts.holding(False)
            self._conn = self._batch = None
            conn.close()

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        if self._conn is not None:
            yield self._conn
        else:
            with self.engine.begin() as conn:
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A query that only reads, outside any transaction of the caller's: on SQLite a plain BEGIN (a shared
        lock for the one query) where `_connect` takes the writers' lock, so that the reads of a validation or of
        a page do not queue behind each other's and the merges' writes (inside a transaction, that one)."""
        if self._conn is not None:
            yield self._conn
        elif self.concurrent:
            with self.engine.begin() as conn:
                yield conn
        else:
            with self.engine.connect() as conn:
                conn.execution_options(cwb_read_only=True)
                with conn.begin():
                    yield conn

    def lock_writes(self) -> None:
        """Queue behind any other writer until the transaction ends. SQLite's BEGIN IMMEDIATE has done so
        already; on PostgreSQL a transaction-scoped advisory lock serialises what must be: the revision counter
        (revisions are numbered without gaps, each visible only with all before it) and the ordinals of rounds
        and attempts. Taken just before the first write, it is held for a commit, not for a whole merge."""
        if self.concurrent:
            with self._connect() as c:
                _lock_writes(c)

    def check_writable(self) -> None:
        """Refuse now, before any work, a store that would refuse the writes at the end (a build's registration,
        after its files are written): a write that leaves nothing, in the caller's transaction. SQLite: a row
        added and taken away, which needs the journal beside the file too (a writable file in a read-only folder;
        a row rewritten as it was writes no page); PostgreSQL refuses any write statement in a read-only
        transaction, and a delete of no row locks none."""
        probe = "cwb_write_probe"
        try:
            with self._connect() as c:
                if not self.concurrent:
                    c.execute(meta_t.insert().values(key=probe, value=""))
                c.execute(meta_t.delete().where(meta_t.c.key == probe))
        except DBAPIError as exc:
            if read_only(exc):
                raise read_only_error(self.location) from None
            raise
