"""The registry of issued workbooks and the fingerprints of the rows they were written with."""

from __future__ import annotations

from sqlalchemy import (
    inspect,
    select,
)

from workbook.store.tables import _dumps, _loads, issued_rows_t, now_iso, workbooks_t


class IssuedWorkbooks:
    """Issued workbooks: the registry and the rows each was written with."""

    def workbook(self, workbook_id: str) -> dict | None:
        with self._read() as c:
            row = c.execute(select(workbooks_t).where(workbooks_t.c.id == workbook_id)).mappings().first()
        if row is None:
            return None
        out = dict(row)
        out["regions"] = _loads(out["regions"])
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
        with self._read() as c:
            if not inspect(c).has_table(issued_rows_t.name):
                return {}
            q = select(issued_rows_t.c.kind, issued_rows_t.c.region, issued_rows_t.c.digests).where(
                issued_rows_t.c.workbook == workbook_id)
            return {(row.kind, row.region): _loads(row.digests) for row in c.execute(q)}

    def issued(self) -> list[dict]:
        with self._read() as c:
            rows = [dict(r) for r in c.execute(select(workbooks_t).order_by(workbooks_t.c.at)).mappings()]
        for r in rows:
            r["regions"] = _loads(r["regions"])
        return rows
