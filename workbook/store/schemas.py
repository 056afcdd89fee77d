"""The store's schema versions: each one's document, file text and the steps from the version before."""

from __future__ import annotations

from sqlalchemy import (
    func,
    select,
)

from workbook.store.tables import _dumps, _loads, _lock_writes, now_iso, schemas_t


class SchemaVersions:
    """The store's schema versions: each one's document, file and steps."""

    def schema_versions(self) -> list[dict]:
        """Every schema version of the store, oldest first, without its documents."""
        cols = [schemas_t.c[k] for k in ("version", "at", "by", "source", "rev", "summary")]
        with self._read() as c:
            return [dict(r) for r in c.execute(select(*cols).order_by(schemas_t.c.version)).mappings()]

    def schema_row(self, version: int | None = None) -> dict | None:
        """One schema version (the current one by default): its document, file text and change steps."""
        q = select(schemas_t)
        q = q.where(schemas_t.c.version == version) if version is not None else \
            q.order_by(schemas_t.c.version.desc()).limit(1)
        with self._read() as c:
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
        with self._read() as c:
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
