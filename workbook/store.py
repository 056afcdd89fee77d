"""The master store: current records, their full history by revision, the audit trail, issued workbooks.

SQLAlchemy Core keeps the SQL portable: a plain path opens SQLite, a `postgresql://` URL PostgreSQL (through
psycopg 3). Records are kept as JSON documents keyed by (entity, id), so adding a field to `templates/` needs no
migration. Every change goes through `commit`, one transaction and one revision.

Writers are serialised differently on the two back ends (see the README, "PostgreSQL"): SQLite takes its one
write lock when a write transaction begins; PostgreSQL writers take a transaction-scoped advisory lock only
when they write, so that merges read, validate and plan side by side and queue only for their commits.
"""

from __future__ import annotations

import os
import re
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    create_engine,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError, ProgrammingError

from .errors import CwbError

STORE_MARK = "cluster-wb store"
STORE_FORMAT = "3"  # 2: reporting rounds, their workbooks and return attempts; 3: the store's schema versions

# Text everywhere (SQLite ignores a declared length; PostgreSQL would refuse a long round name or a long --by),
# compared byte by byte on PostgreSQL as on SQLite: ids sort the same on both back ends whatever the database's
# locale, and a prefix LIKE (`next_id`) can use the primary key's index.
_Str = Text().with_variant(Text(collation="C"), "postgresql")
PG_CONNECT_TIMEOUT = 5  # seconds; libpq would wait for ever on a server that accepts and never answers
PG_WRITE_LOCK = 0x63776200  # pg_advisory_xact_lock key: "cwb\0", the revision counter and the ordinals

metadata = MetaData()
meta_t = Table("cwb_meta", metadata, Column("key", _Str, primary_key=True), Column("value", Text))
revisions_t = Table(
    "cwb_revisions", metadata,
    Column("rev", Integer, primary_key=True, autoincrement=False),
    Column("at", _Str, nullable=False), Column("by", _Str), Column("source", Text),
    Column("sha256", _Str), Column("workbook", _Str), Column("summary", Text),
)
records_t = Table(
    "cwb_records", metadata,
    Column("entity", _Str, primary_key=True), Column("id", _Str, primary_key=True),
    Column("region", _Str), Column("data", Text, nullable=False),
    Column("rev", Integer, nullable=False), Column("deleted", Boolean, nullable=False, default=False),
    Index("ix_cwb_records_entity_region", "entity", "region", "id"),  # one region's records, in id order
)
history_t = Table(
    "cwb_history", metadata,
    Column("entity", _Str, primary_key=True), Column("id", _Str, primary_key=True),
    Column("rev", Integer, primary_key=True, autoincrement=False), Column("data", Text, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
)
audit_t = Table(
    "cwb_audit", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("rev", Integer, nullable=False, index=True), Column("at", _Str, nullable=False),
    Column("by", _Str), Column("source", Text), Column("sha256", _Str),
    Column("entity", _Str), Column("record", _Str), Column("field", _Str),
    Column("op", _Str), Column("old", Text), Column("new", Text),
    Column("sheet", _Str), Column("cell", _Str),
    Index("ix_cwb_audit_record", "entity", "record", "rev"),  # what changed of some records since a revision
)
workbooks_t = Table(
    "cwb_workbooks", metadata,
    Column("id", _Str, primary_key=True), Column("rev", Integer, nullable=False),
    Column("regions", Text, nullable=False), Column("at", _Str, nullable=False),
    Column("by", _Str), Column("lang", _Str), Column("path", Text),
    Column("schema_version", Integer),  # the store's schema version it was built with (none: before format 3, 1)
)

schemas_t = Table(  # the store's template: every version applied, the first the bundled schema at `init`
    "cwb_schemas", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("at", _Str, nullable=False), Column("by", _Str), Column("source", Text),
    Column("rev", Integer, nullable=False),  # the store's revision when it took effect (its migration's, if any)
    Column("doc", Text, nullable=False),  # the schema document (the YAML's data, as JSON)
    Column("text", Text, nullable=False),  # the file as applied, comments and all (`schema --format yaml`)
    Column("changes", Text, nullable=False),  # the steps from the version before (`schema_change`), as JSON
    Column("summary", Text),
)

issued_rows_t = Table(  # the fingerprint of every data row an issued workbook was written with, per sheet
    "cwb_issued_rows", metadata,
    Column("workbook", _Str, primary_key=True), Column("kind", _Str, primary_key=True),
    Column("region", _Str, primary_key=True), Column("digests", Text, nullable=False),
)


rounds_t = Table(  # a reporting round: one workbook issued to each of its regions, returns due by a date
    "cwb_rounds", metadata,
    Column("name", _Str, primary_key=True), Column("seq", Integer, nullable=False),
    Column("period", _Str), Column("due", _Str, nullable=False),
    Column("regions", Text, nullable=False), Column("state", _Str, nullable=False),
    Column("opened_at", _Str, nullable=False), Column("opened_rev", Integer, nullable=False),
    Column("closed_at", _Str), Column("closed_rev", Integer), Column("by", _Str),
)
round_workbooks_t = Table(  # which workbook a round issued to which region
    "cwb_round_workbooks", metadata,
    Column("workbook", _Str, primary_key=True), Column("round", _Str, nullable=False),
    Column("region", _Str, nullable=False),
    Index("ix_cwb_round_workbooks_round", "round", "region"),
)
attempts_t = Table(  # every validate or merge of a round's workbook; the same file (SHA-256) is one attempt
    "cwb_attempts", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("round", _Str, nullable=False), Column("workbook", _Str, nullable=False),
    Column("region", _Str, nullable=False), Column("file", Text), Column("sha256", _Str, nullable=False),
    Column("first_at", _Str, nullable=False), Column("at", _Str, nullable=False),
    Column("by", _Str), Column("action", _Str, nullable=False),
    Column("state", _Str, nullable=False),
    Column("errors", Integer, nullable=False, default=0), Column("warnings", Integer, nullable=False, default=0),
    Column("conflicts", Integer, nullable=False, default=0), Column("changes", Integer, nullable=False, default=0),
    Column("applied", Boolean, nullable=False, default=False), Column("revision", Integer),
    Column("ordinal", Integer, nullable=False),  # the order attempts took their outcome: the latest is the max
    Index("ix_cwb_attempts_round", "round", "region"),
    Index("ux_cwb_attempts_file", "workbook", "sha256", unique=True),
)


class StoreError(CwbError):
    """The store cannot be opened or used; the message says what to do."""


def read_only(exc: BaseException) -> bool:
    """Whether a database error says the store refuses writes: a SQLite file (or its folder) this process may
    not write, such as a copy on a share; a PostgreSQL standby, or a database or role set read-only."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    return (str(getattr(orig, "sqlite_errorname", "")).startswith("SQLITE_READONLY")
            or getattr(orig, "sqlstate", None) == "25006"  # read_only_sql_transaction
            or "readonly database" in str(orig))


def read_only_error(location: str) -> StoreError:
    """The one refusal of a write to a read-only store: which store, that nothing changed, what still works."""
    return StoreError("store_read_only", store=shown(location))


@dataclass
class Change:
    """One field-level change to commit (an insert or delete carries the whole record in new/old)."""

    entity: str
    record: str | None
    field: str | None
    op: str
    old: Any = None
    new: Any = None
    region: str | None = None
    sheet: str | None = None
    cell: str | None = None
    marks: dict[str, Any] | None = None  # an update's marks of its value: {"approx": bool, "inferred": False}

    def to_json(self) -> dict:
        return {"entity": self.entity, "record": self.record, "field": self.field, "op": self.op,
                "old": self.old, "new": self.new, "sheet": self.sheet, "cell": self.cell}


def _set_marks(data: dict, key: str, marks: dict[str, Any]) -> None:
    """Mark or unmark one value of a record: `approx` lists approximate fields, `inferred` maps inferred
    fields to the reason."""
    if "approx" in marks:
        approx = [k for k in data.get("approx") or () if k != key] + ([key] if marks["approx"] else [])
        if approx:
            data["approx"] = approx
        else:
            data.pop("approx", None)
    if "inferred" in marks and not marks["inferred"]:
        inferred = {k: v for k, v in (data.get("inferred") or {}).items() if k != key}
        if inferred:
            data["inferred"] = inferred
        else:
            data.pop("inferred", None)


def now_iso() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def _dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


_loads = orjson.loads


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


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):  # pragma: no cover - driver hook
            dbapi_conn.isolation_level = None  # let us issue BEGIN ourselves
            dbapi_conn.execute("PRAGMA foreign_keys=ON")
            dbapi_conn.execute("PRAGMA busy_timeout=60000")

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - driver hook
            # Take the write lock at the start: two merges are serialised, never interleaved. A read-only
            # snapshot (`Store.reading`) takes none, so that it does not wait for a writer.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("cwb_read_only") else "BEGIN IMMEDIATE")

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
    """The outer transaction of `Store.batch`: begun on the first unit of work, committed now and then."""

    def __init__(self, conn: Connection | None, every: float):
        self.conn, self.every = conn, every
        self.started: float | None = None

    def begin(self) -> None:
        if self.conn is None:
            return
        if not self.conn.in_transaction():
            self.conn.begin()
        if self.started is None:
            self.started = time.monotonic()

    def commit(self) -> None:
        if self.conn is not None and self.conn.in_transaction():
            self.conn.commit()
        self.started = None

    def checkpoint(self) -> None:
        """Commit if the batch has been open for `every` seconds (other writers get their turn)."""
        if self.started is not None and time.monotonic() - self.started >= self.every:
            self.commit()


class Store:
    """Access to one master store. Use `open_store` or `create_store` to get one."""

    def __init__(self, engine: Engine, location: str):
        self.engine = engine
        self.location = location
        # PostgreSQL: many writers at once, each queuing only for its commit (see `lock_writes`)
        self.concurrent = engine.dialect.name == "postgresql"
        self._conn: Connection | None = None
        self._batch: Batch | None = None

    # -- transactions -----------------------------------------------------------------------------
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
            batch.commit()  # the units before the failing one are whole; the failing one was rolled back
            raise
        finally:
            self._conn = self._batch = None
            conn.close()

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        if self._conn is not None:
            yield self._conn
        else:
            with self.engine.begin() as conn:
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

    # -- reading ----------------------------------------------------------------------------------
    def revision(self) -> int:
        with self._connect() as c:
            return int(c.execute(select(func.coalesce(func.max(revisions_t.c.rev), 0))).scalar_one())

    def records(self, entity: str, region: str | None = None, regions: set[str] | None = None) -> dict[str, dict]:
        """Current, not deleted records of an entity, by id, in id order (of one region, or of several)."""
        q = select(records_t.c.id, records_t.c.data).where(records_t.c.entity == entity,
                                                              records_t.c.deleted.is_(False))
        if region is not None:
            q = q.where(records_t.c.region == region)
        if regions is not None:
            q = q.where(records_t.c.region.in_(sorted(regions)))
        with self._connect() as c:
            return {rid: _loads(data) for rid, data in c.execute(q.order_by(records_t.c.id))}

    def records_in(self, regions: set[str], entities: list[str]) -> dict[str, dict[str, dict]]:
        """Current, not deleted records of several entities in some regions, by entity and id, in id order:
        one query where a query per entity would cost more in statement overhead than in rows (a build reads
        each region so, and a region's return)."""
        q = (select(records_t.c.entity, records_t.c.id, records_t.c.data)
             .where(records_t.c.region.in_(sorted(regions)), records_t.c.entity.in_(entities),
                    records_t.c.deleted.is_(False))
             .order_by(records_t.c.entity, records_t.c.id))
        out: dict[str, dict[str, dict]] = {e: {} for e in entities}
        with self._connect() as c:
            for entity, rid, data in c.execute(q):
                out[entity][rid] = _loads(data)
        return out

    def changed_since(self, rev: int, regions: set[str] | None = None,
                      entities: tuple[str, ...] = ()) -> set[tuple[str, str]]:
        """The (entity, id) of every record changed after revision `rev` (the audit has an entry for each), of
        every region or of some (a record keeps its region for life)."""
        if regions is None:
            q = select(audit_t.c.entity, audit_t.c.record).where(audit_t.c.rev > rev).distinct()
        else:  # from the regions' records (index on entity, region) to their audit entries (on entity, record)
            q = (select(records_t.c.entity, records_t.c.id)
                 .join(audit_t, (audit_t.c.entity == records_t.c.entity) & (audit_t.c.record == records_t.c.id))
                 .where(records_t.c.entity.in_(entities), records_t.c.region.in_(sorted(regions)),
                        audit_t.c.rev > rev).distinct())
        with self._connect() as c:
            return {(e, r) for e, r in c.execute(q)}

    def versions_at(self, keys: set[tuple[str, str]], rev: int) -> dict[tuple[str, str], dict | None]:
        """Each record as it was at revision `rev`: its data, or None where it did not exist or was deleted."""
        out: dict[tuple[str, str], dict | None] = dict.fromkeys(keys)
        by_entity: dict[str, list[str]] = {}
        for entity, rid in keys:
            by_entity.setdefault(entity, []).append(rid)
        with self._connect() as c:
            for entity, ids in by_entity.items():
                for i in range(0, len(ids), 500):
                    chunk = ids[i:i + 500]
                    latest = (select(history_t.c.id, func.max(history_t.c.rev).label("rev"))
                              .where(history_t.c.entity == entity, history_t.c.id.in_(chunk), history_t.c.rev <= rev)
                              .group_by(history_t.c.id).subquery())
                    q = (select(history_t.c.id, history_t.c.data, history_t.c.deleted)
                         .join(latest, (history_t.c.id == latest.c.id) & (history_t.c.rev == latest.c.rev))
                         .where(history_t.c.entity == entity))
                    for row in c.execute(q):
                        out[(entity, row.id)] = None if row.deleted else _loads(row.data)
        return out

    def records_at(self, entity: str, rev: int, regions: set[str] | None = None) -> dict[str, dict]:
        """Records of an entity as they were at revision `rev` (a closed round's snapshot), of every region or of
        some (a record keeps its region for life: the current rows say which)."""
        latest_q = (select(history_t.c.id, func.max(history_t.c.rev).label("rev"))
                    .where(history_t.c.entity == entity, history_t.c.rev <= rev))
        if regions is not None:
            latest_q = latest_q.where(history_t.c.id.in_(
                select(records_t.c.id).where(records_t.c.entity == entity, records_t.c.region.in_(sorted(regions)))))
        latest = latest_q.group_by(history_t.c.id).subquery()
        q = (
            select(history_t.c.id, history_t.c.data, history_t.c.deleted)
            .join(latest, (history_t.c.id == latest.c.id) & (history_t.c.rev == latest.c.rev))
            .where(history_t.c.entity == entity)
            .order_by(history_t.c.id)
        )
        with self._connect() as c:
            return {row.id: _loads(row.data) for row in c.execute(q) if not row.deleted}

    def regions(self) -> dict[str, dict]:
        return self.records("region")

    def next_id(self, entity: str, region: str, letter: str, taken: set[str] | None = None) -> str:
        """A new record's id: REGION-<letter><nn>, one more than any the region's records of the entity ever had
        (ids are never reused)."""
        prefix = f"{region}-{letter}"
        with self._connect() as c:  # ids carry their region: only this region's are read
            used = set(c.execute(select(records_t.c.id).where(
                records_t.c.entity == entity, records_t.c.id.startswith(prefix, autoescape=True))).scalars())
        used |= taken or set()
        numbers = [int(m.group(1)) for i in used if (m := re.fullmatch(re.escape(prefix) + r"(\d+)", i))]
        return f"{prefix}{(max(numbers) + 1 if numbers else 1):02d}"

    def workbook(self, workbook_id: str) -> dict | None:
        with self._connect() as c:
            row = c.execute(select(workbooks_t).where(workbooks_t.c.id == workbook_id)).mappings().first()
        if row is None:
            return None
        out = dict(row)
        out["regions"] = _loads(out["regions"])
        return out

    def merged_sha(self, sha256: str) -> int | None:
        """The revision a file with this SHA-256 was merged as, if it ever was."""
        with self._connect() as c:
            return c.execute(select(revisions_t.c.rev).where(revisions_t.c.sha256 == sha256)).scalar()

    def log(self, limit: int | None = None) -> list[dict]:
        q = select(audit_t).order_by(audit_t.c.rev.desc(), audit_t.c.seq.desc())
        if limit:
            q = q.limit(limit)
        with self._connect() as c:
            rows = [dict(r) for r in c.execute(q).mappings()]
        for r in rows:
            r["old"] = _loads(r["old"]) if r["old"] is not None else None
            r["new"] = _loads(r["new"]) if r["new"] is not None else None
        return rows

    # -- writing ----------------------------------------------------------------------------------
    def commit(self, changes: list[Change], *, by: str, source: str, sha256: str | None = None,
               workbook: str | None = None, summary: str = "") -> int:
        """Apply the changes as one new revision, with one audit entry per change. All or nothing."""
        with self.transaction() as s, s._connect() as c:
            s.lock_writes()
            rev = s.revision() + 1
            at = now_iso()
            c.execute(revisions_t.insert().values(rev=rev, at=at, by=by, source=source, sha256=sha256,
                                                  workbook=workbook, summary=summary))
            existing = s._fetch_records(c, {(ch.entity, ch.record) for ch in changes if ch.op != "insert"})
            touched: dict[tuple[str, str], list] = {}  # key -> [data, deleted, region, existed]
            audit = []
            for ch in changes:
                key = (ch.entity, ch.record)
                if key not in touched:
                    row = existing.get(key)
                    touched[key] = [_loads(row["data"]), bool(row["deleted"]), row["region"], True] if row \
                        else [{}, False, None, False]
                state = touched[key]
                if ch.op == "insert":
                    state[0], state[1] = dict(ch.new), False
                    state[2] = ch.region or ch.new.get("region")
                elif ch.op == "delete":
                    state[1] = True
                else:
                    data = state[0]
                    if ch.new is None:
                        data.pop(ch.field, None)
                    else:
                        data[ch.field] = ch.new
                    if ch.marks:
                        _set_marks(data, ch.field, ch.marks)
                    state[2] = state[2] or ch.region or data.get("region")
                    if state[2] and "region" not in data:
                        data["region"] = state[2]
                audit.append({"rev": rev, "at": at, "by": by, "source": source, "sha256": sha256, "entity": ch.entity,
                              "record": ch.record, "field": ch.field, "op": ch.op,
                              "old": None if ch.old is None else _dumps(ch.old),
                              "new": None if ch.new is None else _dumps(ch.new), "sheet": ch.sheet, "cell": ch.cell})
            if audit:
                c.execute(audit_t.insert(), audit)
            inserts, updates, history = [], [], []
            for (entity, rid), (data, deleted, region, existed) in touched.items():
                doc = _dumps(data)
                row = {"entity": entity, "id": rid, "region": region, "data": doc, "rev": rev, "deleted": deleted}
                (updates if existed else inserts).append(row)
                history.append({"entity": entity, "id": rid, "rev": rev, "data": doc, "deleted": deleted})
            if inserts:
                c.execute(records_t.insert(), inserts)
            if updates:
                c.execute(
                    records_t.update()
                    .where(records_t.c.entity == bindparam("b_entity"), records_t.c.id == bindparam("b_id"))
                    .values(region=bindparam("region"), data=bindparam("data"), rev=bindparam("rev"),
                            deleted=bindparam("deleted")),
                    [{**u, "b_entity": u["entity"], "b_id": u["id"]} for u in updates])
            if history:
                c.execute(history_t.insert(), history)
            return rev

    @staticmethod
    def _fetch_records(c: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        """Current rows for many (entity, id) keys, a few hundred per query."""
        out: dict[tuple[str, str], dict] = {}
        by_entity: dict[str, list[str]] = {}
        for entity, rid in keys:
            by_entity.setdefault(entity, []).append(rid)
        for entity, ids in by_entity.items():
            for i in range(0, len(ids), 500):
                q = select(records_t).where(records_t.c.entity == entity, records_t.c.id.in_(ids[i:i + 500]))
                for row in c.execute(q).mappings():
                    out[(entity, row["id"])] = dict(row)
        return out

    def register_workbook(self, workbook_id: str, rev: int, regions: list[str], *, by: str, lang: str,
                          path: str, digests: dict[tuple[str, str], dict[str, str]] | None = None,
                          schema_version: int | None = None) -> None:
        """Record an issued workbook, with the fingerprints of its rows by (sheet kind, region) and the schema
        version it was built with."""
        with self._connect() as c:
            c.execute(workbooks_t.insert().values(id=workbook_id, rev=rev, regions=_dumps(regions), at=now_iso(),
                                                  by=by, lang=lang, path=path, schema_version=schema_version))
            if digests:
                issued_rows_t.create(c, checkfirst=True)  # a store made before fingerprints has no such table
                c.execute(issued_rows_t.insert(), [
                    {"workbook": workbook_id, "kind": kind, "region": region, "digests": _dumps(rows)}
                    for (kind, region), rows in digests.items()])

    def issued_rows(self, workbook_id: str) -> dict[tuple[str, str], dict[str, str]]:
        """The row fingerprints an issued workbook was written with; none for one built before they were kept."""
        with self._connect() as c:
            if not inspect(c).has_table(issued_rows_t.name):
                return {}
            q = select(issued_rows_t.c.kind, issued_rows_t.c.region, issued_rows_t.c.digests).where(
                issued_rows_t.c.workbook == workbook_id)
            return {(row.kind, row.region): _loads(row.digests) for row in c.execute(q)}

    def issued(self) -> list[dict]:
        with self._connect() as c:
            rows = [dict(r) for r in c.execute(select(workbooks_t).order_by(workbooks_t.c.at)).mappings()]
        for r in rows:
            r["regions"] = _loads(r["regions"])
        return rows

    # -- the store's schema -------------------------------------------------------------------------
    def schema_versions(self) -> list[dict]:
        """Every schema version of the store, oldest first, without its documents."""
        cols = [schemas_t.c[k] for k in ("version", "at", "by", "source", "rev", "summary")]
        with self._connect() as c:
            return [dict(r) for r in c.execute(select(*cols).order_by(schemas_t.c.version)).mappings()]

    def schema_row(self, version: int | None = None) -> dict | None:
        """One schema version (the current one by default): its document, file text and change steps."""
        q = select(schemas_t)
        q = q.where(schemas_t.c.version == version) if version is not None else \
            q.order_by(schemas_t.c.version.desc()).limit(1)
        with self._connect() as c:
            row = c.execute(q).mappings().first()
        if row is None:
            return None
        out = dict(row)
        out["doc"], out["changes"] = _loads(out["doc"]), _loads(out["changes"])
        return out

    def schema_changes(self, since: int, until: int) -> list[dict]:
        """The steps of the versions after `since` up to `until`, in order, without their documents."""
        q = (select(schemas_t.c.changes).where(schemas_t.c.version > since, schemas_t.c.version <= until)
             .order_by(schemas_t.c.version))
        with self._connect() as c:
            return [step for (changes,) in c.execute(q) for step in _loads(changes)]

    def add_schema_version(self, *, doc: dict, text: str, changes: list, by: str, source: str,
                           summary: str = "", rev: int | None = None) -> int:
        """Record the next schema version (in the caller's transaction: with its migration's revision)."""
        with self._connect() as c:
            _lock_writes(c)
            version = c.execute(select(func.coalesce(func.max(schemas_t.c.version), 0))).scalar_one() + 1
            c.execute(schemas_t.insert().values(
                version=version, at=now_iso(), by=by, source=source, rev=self.revision() if rev is None else rev,
                doc=_dumps(doc), text=text, changes=_dumps(changes), summary=summary))
        return version

    # -- rounds and return attempts ----------------------------------------------------------------
    def add_round(self, name: str, *, period: str | None, due: str, regions: list[str], by: str) -> dict:
        with self._connect() as c:
            _lock_writes(c)
            seq = c.execute(select(func.coalesce(func.max(rounds_t.c.seq), 0))).scalar_one() + 1
            row = {"name": name, "seq": seq, "period": period, "due": due, "regions": _dumps(regions),
                   "state": "open", "opened_at": now_iso(), "opened_rev": self.revision(), "closed_at": None,
                   "closed_rev": None, "by": by}
            c.execute(rounds_t.insert().values(**row))
        return _round_row(row)

    def rounds(self) -> list[dict]:
        """Every round, in the order they were opened."""
        with self._connect() as c:
            return [_round_row(dict(r)) for r in c.execute(select(rounds_t).order_by(rounds_t.c.seq)).mappings()]

    def round(self, name: str) -> dict | None:
        with self._connect() as c:
            row = c.execute(select(rounds_t).where(rounds_t.c.name == name)).mappings().first()
        return _round_row(dict(row)) if row else None

    def set_round_state(self, name: str, state: str) -> dict:
        """Close a round (its snapshot: the revision now) or reopen it (no snapshot until closed again)."""
        closing = state == "closed"
        with self._connect() as c:
            _lock_writes(c)  # the snapshot revision is one that was whole when the round closed
            c.execute(rounds_t.update().where(rounds_t.c.name == name).values(
                state=state, closed_at=now_iso() if closing else None, closed_rev=self.revision() if closing else None))
        out = self.round(name)
        assert out is not None
        return out

    def add_round_workbook(self, round_name: str, workbook_id: str, region: str) -> None:
        with self._connect() as c:
            c.execute(round_workbooks_t.insert().values(workbook=workbook_id, round=round_name, region=region))

    def round_of_workbook(self, workbook_id: str) -> tuple[dict, str] | None:
        """The round a workbook was issued in, and its region; None for a workbook built outside any round."""
        q = (select(rounds_t, round_workbooks_t.c.region.label("workbook_region"))
             .join(round_workbooks_t, round_workbooks_t.c.round == rounds_t.c.name)
             .where(round_workbooks_t.c.workbook == workbook_id))
        with self._connect() as c:
            row = c.execute(q).mappings().first()
        if row is None:
            return None
        found = dict(row)
        region = found.pop("workbook_region")
        return _round_row(found), region

    def round_workbooks(self, round_name: str) -> list[dict]:
        """The round's workbooks: {workbook, region, at (issued), path}."""
        q = (select(round_workbooks_t.c.workbook, round_workbooks_t.c.region, workbooks_t.c.at, workbooks_t.c.path)
             .join(workbooks_t, workbooks_t.c.id == round_workbooks_t.c.workbook)
             .where(round_workbooks_t.c.round == round_name).order_by(workbooks_t.c.at, round_workbooks_t.c.region))
        with self._connect() as c:
            return [dict(r) for r in c.execute(q).mappings()]

    def round_revisions(self) -> dict[int, str]:
        """Every revision a round's return made, and that round's name (a revision carries its workbook)."""
        q = (select(revisions_t.c.rev, round_workbooks_t.c.round)
             .join(round_workbooks_t, round_workbooks_t.c.workbook == revisions_t.c.workbook))
        with self._connect() as c:
            return {int(rev): name for rev, name in c.execute(q)}

    def changed_at(self, revs: set[int]) -> dict[int, set[tuple[str, str]]]:
        """The (entity, id) of the records each of these revisions changed."""
        out: dict[int, set[tuple[str, str]]] = {r: set() for r in revs}
        ordered = sorted(revs)
        with self._connect() as c:
            for i in range(0, len(ordered), 500):
                q = (select(audit_t.c.rev, audit_t.c.entity, audit_t.c.record)
                     .where(audit_t.c.rev.in_(ordered[i:i + 500]), audit_t.c.record.is_not(None)).distinct())
                for rev, entity, record in c.execute(q):
                    out[int(rev)].add((entity, record))
        return out

    def attempts(self, round_name: str) -> list[dict]:
        """Every return attempt of a round, in the order they took their outcome."""
        q = select(attempts_t).where(attempts_t.c.round == round_name).order_by(attempts_t.c.ordinal)
        with self._connect() as c:
            return [dict(r) for r in c.execute(q).mappings()]

    def record_attempt(self, attempt: dict) -> None:
        """Record a validate or merge of a round's workbook. The same file again (same workbook and SHA-256)
        is the same attempt: its outcome moves on (validated, then merged) but never back (a file merged,
        or refused by a merge, and checked again keeps the merge's outcome), and it becomes the region's
        latest only when its outcome changes."""
        with self._connect() as c:
            _lock_writes(c)  # the ordinal: one more than any, also with another process recording at once
            old = c.execute(select(attempts_t).where(attempts_t.c.workbook == attempt["workbook"],
                                                     attempts_t.c.sha256 == attempt["sha256"])).mappings().first()
            now = now_iso()
            ordinal = c.execute(select(func.coalesce(func.max(attempts_t.c.ordinal), 0))).scalar_one() + 1
            if old is None:
                c.execute(attempts_t.insert().values(**attempt, first_at=now, at=now, ordinal=ordinal))
                return
            if old["state"] == "merged" or (old["action"] == "merge" and attempt["action"] != "merge"):
                return
            values = dict(attempt)
            if old["state"] != attempt["state"]:
                values.update(at=now, ordinal=ordinal)
            c.execute(attempts_t.update().where(attempts_t.c.seq == old["seq"]).values(**values))


def _round_row(row: dict) -> dict:
    out = dict(row)
    out["regions"] = _loads(out["regions"]) if isinstance(out["regions"], str) else out["regions"]
    return out


def _check_ours(engine: Engine, location: str) -> None:
    """Refuse a database that is not a cluster-wb store (one query when it is: every command pays it)."""
    try:
        with _reach(engine, location) as c:
            meta = dict(c.execute(select(meta_t.c.key, meta_t.c.value)
                                  .where(meta_t.c.key.in_(("mark", "format")))).all())
    except DatabaseError as exc:
        try:  # which is it: a database without our table, or not a database at all?
            ours_missing = "cwb_meta" not in inspect(engine).get_table_names()
        except DatabaseError:
            ours_missing = False
        if ours_missing:
            raise StoreError("store_not_ours", store=shown(location)) from None
        raise StoreError("store_unreadable", store=shown(location), why=scrub(str(exc.orig), location)) from None
    mark, fmt = meta.get("mark"), meta.get("format")
    if mark != STORE_MARK:
        raise StoreError("store_not_ours", store=shown(location))
    if fmt is not None and fmt.isdigit() and int(fmt) > int(STORE_FORMAT):
        raise StoreError("store_newer", store=shown(location), found=fmt, known=STORE_FORMAT)
    if fmt != STORE_FORMAT:
        _upgrade(engine)


def _lock_writes(c: Connection) -> None:
    """PostgreSQL: queue behind any other writer until this transaction ends (see `Store.lock_writes`)."""
    if c.dialect.name == "postgresql":
        c.execute(select(func.pg_advisory_xact_lock(PG_WRITE_LOCK)))


def _upgrade(engine: Engine) -> None:
    """Bring a store written by an older cluster-wb to this format, in one transaction: the tables it lacks
    are created (records and history need no change: they are JSON documents). Both back ends make DDL part of
    the transaction: a kill leaves the old format whole, and the next open upgrades it."""
    try:
        with engine.begin() as c:  # SQLite: BEGIN IMMEDIATE, so two first opens do not both upgrade
            _lock_writes(c)  # PostgreSQL: the same, with the writers' lock
            fmt = c.execute(select(meta_t.c.value).where(meta_t.c.key == "format")).scalar()
            if fmt == STORE_FORMAT:
                return
            metadata.create_all(c, checkfirst=True)
            for table in metadata.sorted_tables:  # create_all makes the tables it lacks, not their new indexes
                for index in table.indexes:
                    index.create(c, checkfirst=True)
            if "schema_version" not in {col["name"] for col in inspect(c).get_columns(workbooks_t.name)}:
                c.exec_driver_sql(f"ALTER TABLE {workbooks_t.name} ADD COLUMN schema_version INTEGER")
            if c.execute(select(func.count()).select_from(schemas_t)).scalar_one() == 0:
                _record_bundled_schema(c)  # what its workbooks were built with: the schema of the package
            if fmt is None:
                c.execute(meta_t.insert().values(key="format", value=STORE_FORMAT))
            else:
                c.execute(meta_t.update().where(meta_t.c.key == "format").values(value=STORE_FORMAT))
    except DatabaseError as exc:
        if not isinstance(exc, (OperationalError, ProgrammingError)) or engine.dialect.name != "postgresql":
            raise
        # a role that may write rows but not create tables (an office's): the whole upgrade was rolled back
        store = engine.url.render_as_string(hide_password=True)
        raise StoreError("store_upgrade_refused", store=store, known=STORE_FORMAT,
                         why=" ".join(str(exc.orig).split())) from None


def store_exists(store: str) -> bool:
    url, path = resolve_url(store)
    if path is not None:
        return path.exists()
    engine = _make_engine(url)
    try:
        with _reach(engine, store) as c:
            return inspect(c).has_table(meta_t.name)
    finally:
        engine.dispose()


def create_store(store: str) -> Store:
    """Create an empty store (tables and mark) in one transaction. The caller seeds it."""
    url, path = resolve_url(store)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = _make_engine(url)
    with _reach(engine, store) as c, c.begin():
        _lock_writes(c)  # two `init`s at once on one PostgreSQL database: the second finds the first's tables
        if inspect(c).has_table(meta_t.name):
            raise StoreError("store_exists", store=shown(store))
        metadata.create_all(c)
        c.execute(meta_t.insert().values(key="mark", value=STORE_MARK))
        c.execute(meta_t.insert().values(key="format", value=STORE_FORMAT))
        c.execute(meta_t.insert().values(key="created", value=now_iso()))
        _record_bundled_schema(c)
    return Store(engine, store)


def _record_bundled_schema(c: Connection) -> None:
    """Version 1 of a store's schema: the package's `templates/schema.yaml` (at `init`, or when a store from
    before schema versions is upgraded). From then on the store, not the package, says what its workbooks ask."""
    from .resources import templates_dir
    from .schema import parse_yaml_cached

    raw = (templates_dir() / "schema.yaml").read_bytes()
    c.execute(schemas_t.insert().values(version=1, at=now_iso(), by="cluster-wb", source="bundled",
                                        rev=int(c.execute(select(func.coalesce(func.max(revisions_t.c.rev), 0)))
                                                .scalar_one()),
                                        doc=_dumps(parse_yaml_cached(raw)), text=raw.decode("utf-8"), changes="[]",
                                        summary="the bundled schema"))


def open_store(store: str) -> Store:
    url, path = resolve_url(store)
    if path is not None and not path.exists():
        raise StoreError("store_missing", store=store)
    engine = _make_engine(url)
    _check_ours(engine, store)
    return Store(engine, store)


def copy_store(source: str, target: str, progress: Any = None) -> tuple[int, dict[str, int]]:
    """Copy a whole store into a new one (a SQLite file into PostgreSQL, say): every table row for row, so
    revisions, history, the audit trail, issued workbooks, rounds and attempts come along unchanged. The
    target is created and filled in one transaction: interrupted, it holds no store. Returns the source's
    revision and the rows copied per table."""
    src = open_store(source)  # refuses what is not a store; upgrades an older one first
    url, path = resolve_url(target)
    if path is not None and path.exists():
        raise StoreError("store_exists", store=shown(target))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = _make_engine(url)
    counts: dict[str, int] = {}
    try:
        with src.reading(), src._connect() as r, _reach(engine, target) as w, w.begin():
            _lock_writes(w)
            if inspect(w).has_table(meta_t.name):
                raise StoreError("store_exists", store=shown(target))
            metadata.create_all(w)
            present = set(inspect(r).get_table_names())
            for table in metadata.sorted_tables:
                if table.name not in present:  # a store from before row fingerprints has no such table
                    continue
                n = 0
                rows = r.execution_options(yield_per=2000).execute(select(table)).mappings()
                for part in rows.partitions():
                    w.execute(table.insert(), [dict(row) for row in part])
                    n += len(part)
                counts[table.name] = n
                if progress:
                    progress(table.name, n)
            if w.dialect.name == "postgresql":  # rows came with their numbers: move the counters past them
                for table in metadata.sorted_tables:
                    for col in table.primary_key.columns:
                        if col.autoincrement is True:
                            w.exec_driver_sql(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{col.name}'), "
                                f"coalesce(max({col.name}), 0) + 1, false) FROM {table.name}")
            rev = int(w.execute(select(func.coalesce(func.max(revisions_t.c.rev), 0))).scalar_one())
    except BaseException:
        engine.dispose()
        if path is not None:  # the file did not exist before: leave nothing that looks like a store
            path.unlink(missing_ok=True)
        raise
    finally:
        src.engine.dispose()
    engine.dispose()
    return rev, counts
