"""Records, their history by revision, and the one way to change them: `commit`."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    bindparam,
    func,
    select,
)
from sqlalchemy.engine import Connection

from workbook.core.changes import APPROX_SOURCE, ORPHANS_SOURCE, Change
from workbook.store.tables import _dumps, _loads, audit_t, history_t, now_iso, records_t, revisions_t
from workbook.template.approx import approx_marks


def _set_marks(data: dict, key: str, marks: dict[str, Any]) -> None:
    """Mark or unmark one value of a record: `approx` maps approximate fields to their kind (`{"kind", "high"}`,
    template/approx.py; a list of names from before reads as "about"), `inferred` maps inferred fields to the
    reason."""
    if "approx" in marks:
        approx = {k: m for k, m in approx_marks(data.get("approx")).items() if k != key}
        if marks["approx"]:
            approx[key] = marks["approx"]
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


def _upgrade_revision(c: Connection, source: str, summary: str) -> tuple[int, str]:
    """A new revision by cluster-wb itself, of a store format upgrade (on the upgrade's connection): its number
    and time, which its audit entries carry."""
    rev = int(c.execute(select(func.coalesce(func.max(revisions_t.c.rev), 0))).scalar_one()) + 1
    at = now_iso()
    c.execute(revisions_t.insert().values(rev=rev, at=at, by="cluster-wb", source=source, summary=summary))
    return rev, at


def delete_orphans(c: Connection, owned: dict[str, tuple[str, ...]]) -> int | None:
    """Delete the live records keyed by a deleted record's id (`owned`: an entity and the entities it owns, the
    schema's `owned_by`: a cluster's constraint-matrix record), left by a cluster-wb from before such records
    went with their owner. One revision by cluster-wb, an audit entry per record, as `commit` writes them; on
    the caller's connection, inside its transaction (the format upgrade's). Returns the revision, or None when
    there was nothing to delete."""
    from sqlalchemy.orm import aliased

    ours, owner = aliased(records_t), aliased(records_t)
    found = []
    for entity, entities in owned.items():
        if entities:
            found += c.execute(
                select(ours.c.entity, ours.c.id, ours.c.data)
                .join(owner, (owner.c.entity == entity) & (owner.c.id == ours.c.id) & owner.c.deleted.is_(True))
                .where(ours.c.entity.in_(entities), ours.c.deleted.is_(False))
                .order_by(ours.c.entity, ours.c.id)).all()
    if not found:
        return None
    rev, at = _upgrade_revision(c, ORPHANS_SOURCE, "matrix records of deleted clusters")
    c.execute(audit_t.insert(), [{"rev": rev, "at": at, "by": "cluster-wb", "source": ORPHANS_SOURCE,
                                  "entity": entity, "record": rid, "field": None, "op": "delete", "old": data,
                                  "new": None} for entity, rid, data in found])
    c.execute(history_t.insert(), [{"entity": entity, "id": rid, "rev": rev, "data": data, "deleted": True}
                                   for entity, rid, data in found])
    c.execute(records_t.update()
              .where(records_t.c.entity == bindparam("b_entity"), records_t.c.id == bindparam("b_id"))
              .values(deleted=True, rev=rev), [{"b_entity": entity, "b_id": rid} for entity, rid, _ in found])
    return rev


def kinds_of_approx(c: Connection) -> int | None:
    """Give every current record's approximate figures their kind (store format 6): the list of field names a
    cluster-wb before kept becomes `{field: {"kind": "about", "high": None}}`, the one thing the flag said. One
    revision by cluster-wb, an audit entry per record (field `approx`, the list as old, the kinds as new), as
    `commit` writes them; on the caller's connection, inside its transaction (the format upgrade's). The history
    keeps the lists of earlier revisions: every reader takes both shapes (`approx_marks`). Returns the revision,
    or None when no record had a flag."""
    found = []
    for entity, rid, data in c.execute(
            select(records_t.c.entity, records_t.c.id, records_t.c.data)
            .where(records_t.c.deleted.is_(False), records_t.c.data.contains('"approx"'))
            .order_by(records_t.c.entity, records_t.c.id)):
        doc = _loads(data)
        if isinstance(doc.get("approx"), list):
            found.append((entity, rid, doc))
    if not found:
        return None
    rev, at = _upgrade_revision(c, APPROX_SOURCE, "approximate figures: each flag becomes a kind (about)")
    audit, rows = [], []
    for entity, rid, doc in found:
        old = doc["approx"]
        doc["approx"] = approx_marks(old)
        audit.append({"rev": rev, "at": at, "by": "cluster-wb", "source": APPROX_SOURCE, "entity": entity,
                      "record": rid, "field": "approx", "op": "update", "old": _dumps(old),
                      "new": _dumps(doc["approx"])})
        rows.append({"b_entity": entity, "b_id": rid, "data": _dumps(doc), "rev": rev})
    c.execute(audit_t.insert(), audit)
    c.execute(history_t.insert(), [{"entity": r["b_entity"], "id": r["b_id"], "rev": rev, "data": r["data"],
                                    "deleted": False} for r in rows])
    c.execute(records_t.update()
              .where(records_t.c.entity == bindparam("b_entity"), records_t.c.id == bindparam("b_id"))
              .values(data=bindparam("data"), rev=bindparam("rev")), rows)
    return rev


class Records:
    """Records and revisions: reading them now or at a revision, and `commit`."""

    def revision(self) -> int:
        with self._read() as c:
            return int(c.execute(select(func.coalesce(func.max(revisions_t.c.rev), 0))).scalar_one())

    def records(self, entity: str, region: str | None = None, regions: set[str] | None = None) -> dict[str, dict]:
        """Current, not deleted records of an entity, by id, in id order (of one region, or of several)."""
        q = select(records_t.c.id, records_t.c.data).where(records_t.c.entity == entity,
                                                              records_t.c.deleted.is_(False))
        if region is not None:
            q = q.where(records_t.c.region == region)
        if regions is not None:
            q = q.where(records_t.c.region.in_(sorted(regions)))
        with self._read() as c:
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
        with self._read() as c:
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
        with self._read() as c:
            return {(e, r) for e, r in c.execute(q)}

    def versions_at(self, keys: set[tuple[str, str]], rev: int) -> dict[tuple[str, str], dict | None]:
        """Each record as it was at revision `rev`: its data, or None where it did not exist or was deleted."""
        out: dict[tuple[str, str], dict | None] = dict.fromkeys(keys)
        by_entity: dict[str, list[str]] = {}
        for entity, rid in keys:
            by_entity.setdefault(entity, []).append(rid)
        with self._read() as c:
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
        with self._read() as c:
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

    def merged_sha(self, sha256: str) -> int | None:
        """The revision a file with this SHA-256 was merged as, if it ever was."""
        with self._read() as c:
            return c.execute(select(revisions_t.c.rev).where(revisions_t.c.sha256 == sha256)).scalar()

    def log(self, limit: int | None = None) -> list[dict]:
        q = select(audit_t).order_by(audit_t.c.rev.desc(), audit_t.c.seq.desc())
        if limit:
            q = q.limit(limit)
        with self._read() as c:
            rows = [dict(r) for r in c.execute(q).mappings()]
        for r in rows:
            r["old"] = _loads(r["old"]) if r["old"] is not None else None
            r["new"] = _loads(r["new"]) if r["new"] is not None else None
        return rows

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

    def changed_at(self, revs: set[int]) -> dict[int, set[tuple[str, str]]]:
        """The (entity, id) of the records each of these revisions changed."""
        out: dict[int, set[tuple[str, str]]] = {r: set() for r in revs}
        ordered = sorted(revs)
        with self._read() as c:
            for i in range(0, len(ordered), 500):
                q = (select(audit_t.c.rev, audit_t.c.entity, audit_t.c.record)
                     .where(audit_t.c.rev.in_(ordered[i:i + 500]), audit_t.c.record.is_not(None)).distinct())
                for rev, entity, record in c.execute(q):
                    out[int(rev)].add((entity, record))
        return out
