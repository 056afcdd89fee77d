"""The store's tables, its format and the JSON encoding of records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.engine import Connection

STORE_MARK = "cluster-wb store"


STORE_FORMAT = "6"  # 2: reporting rounds, their workbooks and return attempts; 3: the store's schema versions;
# 4: portal accounts and their sessions; the order rounds closed in; matrix records of clusters deleted before
# their deletion took them along, deleted once (see `_upgrade`); 5: the portal's uploads (files kept), comments
# and wrong sign-in keys; 6: a record's approximate figures keep their kind, `{field: {"kind", "high"}}`, where a
# list of field names was (each becomes "about", in one audited revision: `kinds_of_approx`)


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
    Column("closed_seq", Integer),  # the order of closings: rounds often close at one revision (format 4)
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


accounts_t = Table(  # a portal account: a coordinator (every region) or an office (its regions); see services/accounts
    "cwb_accounts", metadata,
    Column("name", _Str, primary_key=True), Column("role", _Str, nullable=False),
    Column("regions", Text),  # JSON list of region ids; null: every region (a coordinator)
    Column("key_hash", _Str),  # SHA-256 of the sign-in key, hex; null once revoked (no key matches it)
    Column("key_gen", Integer, nullable=False, default=1),  # one more at each new key or revocation
    Column("created_at", _Str, nullable=False), Column("created_by", _Str),
    Column("changed_at", _Str), Column("changed_by", _Str),  # the last new key or revocation, and by whom
    Column("revoked_at", _Str), Column("last_seen", _Str),
    Index("ux_cwb_accounts_key", "key_hash", unique=True),
)


sessions_t = Table(  # a signed-in browser: kept in the store, so that any worker answers it and a revocation ends it
    "cwb_sessions", metadata,
    Column("token_hash", _Str, primary_key=True),  # SHA-256 of the session token, hex
    Column("account", _Str, nullable=False), Column("key_gen", Integer, nullable=False),  # the key it was made with
    Column("created_at", _Str, nullable=False), Column("last_seen", _Str),
    Column("expires", _Str, nullable=False),  # UTC, ISO 8601: string order is time order, for the purge in SQL
    Column("ended_at", _Str),  # signed out, or ended by a new key or a revocation
    Index("ix_cwb_sessions_account", "account"),
)


uploads_t = Table(  # a return uploaded through the portal: the file kept, what checking it found, and its merge
    "cwb_uploads", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", _Str, nullable=False), Column("by", _Str, nullable=False),  # the account that uploaded it
    Column("file", Text, nullable=False),  # the name the browser gave the file: shown, never used as a path
    Column("sha256", _Str, nullable=False), Column("size", Integer, nullable=False),
    Column("workbook", _Str, nullable=False), Column("round", _Str),
    Column("regions", Text, nullable=False),  # JSON list of the workbook's regions: who may see the upload
    Column("ok", Boolean, nullable=False), Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("result", Text, nullable=False),  # {"zh": validate JSON, "en": ...}: shown in the page's language
    Column("annotated", _Str),  # SHA-256 of the annotated copy in cwb_files
    Column("merged_at", _Str), Column("merged_by", _Str), Column("revision", Integer),
    Column("merge_result", Text),  # {"zh": merge JSON, "en": ...} of the last submission
)


upload_regions_t = Table(  # the regions of an upload's workbook, to find a region's uploads by index
    "cwb_upload_regions", metadata,
    Column("upload", Integer, primary_key=True), Column("region", _Str, primary_key=True),
    Index("ix_cwb_upload_regions_region", "region", "upload"),
)


files_t = Table(  # the bytes of uploaded files and their annotated copies, once per content
    "cwb_files", metadata,
    Column("sha256", _Str, primary_key=True), Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)


comments_t = Table(  # a coordinator's comment on a region's return, which the office sees on its pages
    "cwb_comments", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("round", _Str), Column("region", _Str, nullable=False), Column("upload", Integer),
    Column("at", _Str, nullable=False), Column("by", _Str, nullable=False), Column("text", Text, nullable=False),
    Index("ix_cwb_comments_region", "region", "seq"),
)


signin_failures_t = Table(  # wrong keys typed at the sign-in page, by client: kept here so every worker throttles
    "cwb_signin_failures", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("client", _Str, nullable=False), Column("at", _Str, nullable=False),  # UTC, ISO 8601
    Index("ix_cwb_signin_failures_client", "client", "at"),
)


def now_iso() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def _dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


_loads = orjson.loads


def _lock_writes(c: Connection) -> None:
    """PostgreSQL: queue behind any other writer until this transaction ends (see `Store.lock_writes`)."""
    if c.dialect.name == "postgresql":
        c.execute(select(func.pg_advisory_xact_lock(PG_WRITE_LOCK)))
