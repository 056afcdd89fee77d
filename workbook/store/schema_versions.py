"""The store's template: which schema version its workbooks are built, read and merged with.

`init` records the package's `templates/schema.yaml` as version 1; `schema apply` adds the next (see
`schema_apply`). Every command asks this module, not the package file, so that two stores can ask different
questions, and a workbook is read with the version it was built with (`schema_change.forward`)."""

from __future__ import annotations

import hashlib

import orjson

from workbook.core.errors import UsageError
from workbook.store import Store
from workbook.store.connection import StoreError, shown
from workbook.template.model import Schema
from workbook.template.schema import parse_schema

_parsed: dict[tuple[int, str], Schema] = {}


def _parse(version: int, doc: dict) -> Schema:
    """The frozen schema of a stored version, parsed once per process (some 4 ms each)."""
    key = (version, hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest())
    schema = _parsed.get(key)
    if schema is None:
        schema = _parsed[key] = _with_version(parse_schema(doc), version)
    return schema


def _with_version(schema: Schema, version: int) -> Schema:
    from dataclasses import replace

    return replace(schema, version=str(version))


def _row(st: Store, version: int | None = None) -> dict:
    """A stored version (the current one by default). `init` and the upgrade record version 1 with the store
    itself, so a store without any is not one this tool made whole."""
    row = st.schema_row(version)
    if row is not None:
        return row
    known = [str(v["version"]) for v in st.schema_versions()]
    if version is None or not known:
        raise StoreError("store_no_schema", store=shown(st.location))
    raise UsageError("usage_schema_version", version=version, known=", ".join(known))


def current_schema(st: Store) -> Schema:
    """The store's schema now (its latest version)."""
    row = _row(st)
    return _parse(row["version"], row["doc"])


def schema_at(st: Store, version: int) -> Schema:
    """One version of the store's schema; a version the store does not have is a usage error."""
    row = _row(st, version)
    return _parse(row["version"], row["doc"])


def current_version(st: Store) -> int:
    """The number of the store's current schema version (without reading its document)."""
    versions = st.schema_versions()
    if not versions:
        raise StoreError("store_no_schema", store=shown(st.location))
    return int(versions[-1]["version"])


def workbook_version(issued: dict) -> int:
    """The schema version a registered workbook was built with (one built before versions were kept: 1)."""
    return int(issued.get("schema_version") or 1)


def schema_steps(st: Store, since: int, until: int) -> list[dict]:
    """The recorded steps from version `since` to `until`, in order (what maps an old workbook forward)."""
    return st.schema_changes(since, until)


def schema_text(st: Store, version: int) -> str:
    """A version as the file it was applied from (comments kept, `migrate:` not): ready to edit and apply."""
    return _row(st, version)["text"]


def version_at(st: Store, rev: int) -> int:
    """The schema version the store's records were kept in at revision `rev`: the latest that took effect by
    then (a migration's revision is its version's)."""
    taken = [v["version"] for v in st.schema_versions() if v["rev"] <= rev]
    return max(taken, default=1)
