"""The store's template: which schema version its workbooks are built, read and merged with.

`init` records the package's `templates/schema.yaml` as version 1; `schema apply` adds the next (see
`schema_apply`). Every command asks this module, not the package file, so that two stores can ask different
questions, and a workbook is read with the version it was built with (`schema_change.forward`).
"""

from __future__ import annotations

import hashlib

import orjson

from .errors import UsageError
from .schema import Schema, load_schema, parse_schema
from .store import Store

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


def current_schema(st: Store) -> Schema:
    """The store's schema now (its latest version)."""
    row = st.schema_row()
    if row is None:  # a store whose version 1 was never recorded (interrupted before it could be): the package's
        return _with_version(load_schema(), 1)
    return _parse(row["version"], row["doc"])


def schema_at(st: Store, version: int) -> Schema:
    """One version of the store's schema; a version the store does not have is a usage error."""
    row = st.schema_row(version)
    if row is None:
        if version == 1 and st.schema_row() is None:
            return _with_version(load_schema(), 1)
        known = [str(v["version"]) for v in st.schema_versions()] or ["1"]
        raise UsageError("usage_schema_version", version=version, known=", ".join(known))
    return _parse(row["version"], row["doc"])


def current_version(st: Store) -> int:
    row = st.schema_row()
    return 1 if row is None else int(row["version"])


def workbook_version(issued: dict) -> int:
    """The schema version a registered workbook was built with (one built before versions were kept: 1)."""
    return int(issued.get("schema_version") or 1)


def schema_steps(st: Store, since: int, until: int) -> list[dict]:
    """The recorded steps from version `since` to `until`, in order (what maps an old workbook forward)."""
    steps: list[dict] = []
    for version in range(since + 1, until + 1):
        row = st.schema_row(version)
        if row is not None:
            steps += row["changes"]
    return steps


def schema_text(st: Store, version: int) -> str:
    """A version as the file it was applied from (comments and all): ready to edit and apply again."""
    row = st.schema_row(version)
    if row is None:
        from .resources import templates_dir

        return (templates_dir() / "schema.yaml").read_text(encoding="utf-8")
    return row["text"]


def version_at(st: Store, rev: int) -> int:
    """The schema version the store's records were kept in at revision `rev`: the latest that took effect by
    then (a migration's revision is its version's)."""
    taken = [v["version"] for v in st.schema_versions() if v["rev"] <= rev]
    return max(taken, default=1)
