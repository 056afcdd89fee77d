"""The master store: current records, their full history by revision, the audit trail, issued workbooks, rounds
and attempts, the store's schema versions. `Store` is the one door; each part keeps one kind of thing.

SQLAlchemy Core keeps the SQL portable: a plain path opens SQLite, a `postgresql://` URL PostgreSQL (through
psycopg 3). Records are kept as JSON documents keyed by (entity, id), so adding a field to `templates/` needs no
migration. Every change goes through `commit`, one transaction and one revision.

Writers are serialised differently on the two back ends (see the README, "PostgreSQL"): SQLite takes its one
write lock when a write transaction begins; PostgreSQL writers take a transaction-scoped advisory lock only
when they write, so that merges read, validate and plan side by side and queue only for their commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError

from workbook.store.accounts import Accounts
from workbook.store.connection import Connected, StoreError, _make_engine, _reach, resolve_url, scrub, shown
from workbook.store.records import Records, delete_orphans, kinds_of_approx
from workbook.store.rounds import Rounds, order_closings
from workbook.store.schemas import SchemaVersions
from workbook.store.tables import (
    STORE_FORMAT,
    STORE_MARK,
    _dumps,
    _loads,
    _lock_writes,
    meta_t,
    metadata,
    now_iso,
    revisions_t,
    schemas_t,
    workbooks_t,
)
from workbook.store.uploads import Uploads
from workbook.store.workbooks import IssuedWorkbooks


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


def _upgrade(engine: Engine) -> None:
    """Bring a store written by an older cluster-wb to this format, in one transaction: the tables it lacks
    are created (records and history need no change: they are JSON documents; format 4's accounts and sessions
    and format 5's uploads, files, comments and wrong sign-ins are new tables), closed rounds numbered in the
    order they closed, the matrix records of clusters deleted before their deletion took them along deleted,
    in one audited revision, and (format 6) each approximate flag made a kind, "about", in
    another. Both back ends make DDL part of the transaction: a kill leaves the old format
    whole, and the next open upgrades it."""
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
            order_closings(c)
            delete_orphans(c, _owned(c))  # left by a cluster-wb from before deleting a cluster took them along
            kinds_of_approx(c)  # format 6: each approximate flag becomes a kind ("about", all it said)
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


def _owned(c: Connection) -> dict[str, tuple[str, ...]]:
    """Which entities own records of which, in the store's current schema (`Schema.owned_by`)."""
    from workbook.template.schema import parse_schema

    doc = c.execute(select(schemas_t.c.doc).order_by(schemas_t.c.version.desc()).limit(1)).scalar_one()
    schema = parse_schema(_loads(doc))
    return {s.entity: schema.owned_by(s.entity) for s in schema.sheets}


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
    from workbook.core.resources import templates_dir
    from workbook.template.schema import parse_yaml_cached

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


class Store(Connected, Records, IssuedWorkbooks, SchemaVersions, Rounds, Accounts, Uploads):
    """Access to one master store, the one door to it: use `open_store` or `create_store` to get one. Each part
    keeps one kind of thing (records and revisions, issued workbooks, schema versions, rounds and attempts, portal
    accounts and sessions, the portal's uploads and comments) over the connection and transactions of `Connected`."""


__all__ = ["Store", "StoreError", "copy_store", "create_store", "open_store", "resolve_url", "scrub", "shown",
           "store_exists"]
