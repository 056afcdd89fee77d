"""Three-way merge of a workbook's rows into the store: pure, field by field.

base = the records at the revision the workbook was cut from, ours = the store now, theirs = the
workbook. A change on one side applies; the same change on both sides is no conflict; different
changes to one field are a conflict and nothing of the file is applied."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbook.core.changes import Change
from workbook.core.messages import t
from workbook.returns.validate import Row, same_value
from workbook.template.approx import approx_marks
from workbook.template.model import Schema


@dataclass
class Conflict:
    entity: str
    record: str | None
    field: str | None
    base: Any
    ours: Any
    theirs: Any
    sheet: str | None
    cell: str | None

    def message(self, lang: str) -> str:
        """What happened and how to settle it, in the official's language."""
        if self.field is None and self.theirs == "delete":
            return t("conflict_delete", lang, record=self.record)
        if self.field is None:
            return t("conflict_deleted", lang, record=self.record)
        return t("conflict", lang, base=_shown(self.base), ours=_shown(self.ours), theirs=_shown(self.theirs))

    def to_json(self, lang: str = "zh") -> dict:
        return {"entity": self.entity, "record": self.record, "field": self.field, "base": self.base,
                "ours": self.ours, "theirs": self.theirs, "sheet": self.sheet, "cell": self.cell,
                "message": self.message(lang)}


def _shown(value: Any) -> str:
    return "" if value is None else "、".join(map(str, value)) if isinstance(value, list) else str(value)


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    unchanged: int = 0  # rows that change nothing

    def counts(self) -> dict[str, int]:
        out = {"insert": 0, "update": 0, "delete": 0}
        for c in self.changes:
            out[c.op] += 1
        return {**out, "unchanged": self.unchanged, "conflicts": len(self.conflicts)}


def plan_merge(rows: list[Row], schema: Schema, base: dict[str, dict[str, dict]], ours: dict[str, dict[str, dict]],
               columns: dict[str, set[str]], allocate: Callable[[str, str, set[str]], str]) -> Plan:
    """The changes and conflicts that merging these rows would make. `allocate` gives new ids."""
    plan = Plan()
    new_ids: set[str] = set()
    deleting = {(row.entity, row.record) for row in rows if row.delete and row.valid and row.record is not None}
    for row in rows:
        if not row.valid:
            continue
        if row.unchanged:
            plan.unchanged += 1
            continue
        sheet = schema.sheet(row.kind)
        if sheet.owner and (sheet.owner, row.record) in deleting:  # its record goes with its owner
            plan.unchanged += 1
            continue
        present = columns.get(row.sheet, set())
        fields = [f for f in sheet.editable_fields if f.key in present]
        b_all, o_all = base.get(row.entity, {}), ours.get(row.entity, {})
        if row.record is None:
            if row.delete:
                plan.unchanged += 1
                continue
            _insert(plan, row, fields, b_all, o_all, allocate, new_ids, schema.entities[row.entity].name_field)
            continue
        b = b_all.get(row.record)
        o = o_all.get(row.record)
        if sheet.row_per_cluster:  # a matrix row always exists; a missing record is an empty one
            b = b or {}
            o = o if o is not None else ({} if row.record not in b_all else None)
        if row.delete:
            _delete(plan, row, sheet, b, o)
            continue
        before = len(plan.changes)
        if o is None:  # deleted in the store since the workbook was cut
            if b is not None and any(not same_value(row.values.get(f.key), b.get(f.key)) for f in fields):
                plan.conflicts.append(Conflict(row.entity, row.record, None, b, None, row.values, row.sheet,
                                               row.cells.get("id")))
            else:
                plan.unchanged += 1
            continue
        b = b if b is not None else o
        values = row.values
        for f in fields:
            theirs, bv = values.get(f.key), b.get(f.key)
            if theirs == bv or same_value(theirs, bv):
                continue
            ov = o.get(f.key)
            if same_value(theirs, ov):
                continue
            if same_value(ov, bv):
                plan.changes.append(Change(row.entity, row.record, f.key, "update", ov, theirs, row.region,
                                           row.sheet, row.cells.get(f.key)))
            else:
                plan.conflicts.append(Conflict(row.entity, row.record, f.key, bv, ov, theirs, row.sheet,
                                               row.cells.get(f.key)))
        _remark(plan, row, fields, before, b, o)
        if len(plan.changes) == before:
            plan.unchanged += 1
    _delete_owned(plan, schema, base, ours)
    return plan


def _delete_owned(plan: Plan, schema: Schema, base: dict[str, dict[str, dict]], ours: dict[str, dict[str, dict]]
                  ) -> None:
    """A record keyed by a deleted record's id (a cluster's constraint-matrix record: `Schema.owned_by`) is
    deleted with it, in the same plan, so in the same revision and with an audit entry of its own; an export
    then lists no diagnosis of a cluster that is gone. Edits of it in the same workbook go too: the delete wins
    (its row was passed over; the validator warned at the cells, `matrix_row_of_deleted`). Changed in the store
    since the workbook was cut, it is a conflict, as the deletion of an edited record is."""
    gone = [(entity, change) for change in plan.changes if change.op == "delete"
            for entity in schema.owned_by(change.entity)]
    for entity, owner in gone:
        rid = owner.record
        o = ours.get(entity, {}).get(rid)
        if o is None:  # never assessed, or gone already
            continue
        b = base.get(entity, {}).get(rid) or {}
        if any(not same_value(o.get(f.key), b.get(f.key)) for f in schema.sheet_for_entity(entity).stored_fields
               if f.key != "id"):
            plan.conflicts.append(Conflict(entity, rid, None, b, o, "delete", owner.sheet, owner.cell))
            continue
        plan.changes.append(Change(entity, rid, None, "delete", o, None, owner.region, owner.sheet, owner.cell))


def _remark(plan: Plan, row: Row, fields, before: int, b: dict, o: dict) -> None:
    """The marks of single values follow what the official typed: a figure typed with 多/余/以上 is at least so,
    with 近/不到 at most, with 约/左右 about, 5至6 a range; one typed bare is exact (an untouched cell keeps its
    mark; a figure typed as text with no qualifier, '1100, is exact too); a value typed over an inferred one is the
    office's statement, no longer an inference. A kind typed (with its figure or alone) or a figure retyped as text
    to clear one makes the record's marks a change of their own (field `approx`, old and new marks, after the
    values'), so the audit and `merge` show the kind as well as the figure. A bare new figure clears its mark
    with its value's change, as the rule says (typing an exact figure clears it): the change of a value is no
    more than that, so that an edit of a figure stays one change. The inference mark rides on its value's."""
    typed = row.approx or {}
    approx, inferred = approx_marks(o.get("approx")), o.get("inferred") or {}
    if not typed and not approx and not inferred:
        return
    changed = {c.field: c for c in plan.changes[before:]}
    final, first = dict(approx), None  # the record's approximate fields after this row; the first cell of a mark
    for f in fields:
        key = f.key
        edited = not same_value(row.values.get(key), b.get(key))
        marks: dict[str, Any] = {}
        if key in typed and typed[key] != approx.get(key):
            marks["approx"] = typed[key]
        elif edited and key in approx and key not in typed:
            marks["approx"] = None
        if edited and key in inferred:
            marks["inferred"] = False
        if not marks:
            continue
        if key in changed:
            changed[key].marks = marks
        if "approx" in marks and (key in changed or not edited):  # not a value in conflict, or the store's already
            final[key] = marks["approx"]
            if not final[key]:
                del final[key]
            if marks["approx"] or not edited:
                first = first or row.cells.get(key)
    if first and final != approx:  # after the value changes, so the marks it sets are the last word
        plan.changes.append(Change(row.entity, row.record, "approx", "update", approx or None,
                                   dict(sorted(final.items())) or None, row.region, row.sheet, first))


def _insert(plan: Plan, row: Row, fields, b_all: dict, o_all: dict, allocate, new_ids: set[str],
            name_key: str | None) -> None:
    record = {"region": row.region}
    for f in fields:
        v = row.values.get(f.key)
        if v not in (None, [], ""):
            record[f.key] = v
    approx = {k: m for k, m in sorted((row.approx or {}).items()) if k in record and m}  # None: typed exact
    if approx:
        record["approx"] = approx
    if name_key:
        for rid, o in o_all.items():
            # merged before (the same file, or a re-save of it): the record exists since the workbook was cut
            if rid not in b_all and o.get("region") == row.region and o.get(name_key) == record.get(name_key):
                plan.unchanged += 1
                return
    rid = allocate(row.entity, row.region, new_ids)
    new_ids.add(rid)
    plan.changes.append(Change(row.entity, rid, None, "insert", None, record, row.region, row.sheet,
                               row.cells.get("id") or f"A{row.row}"))


def _delete(plan: Plan, row: Row, sheet, b: dict | None, o: dict | None) -> None:
    if o is None:
        plan.unchanged += 1  # deleted already
        return
    changed_since = b is not None and any(not same_value(o.get(f.key), b.get(f.key)) for f in sheet.stored_fields
                                          if f.key != "id")
    if changed_since:
        plan.conflicts.append(Conflict(row.entity, row.record, None, b, o, "delete", row.sheet,
                                       row.cells.get("delete")))
        return
    plan.changes.append(Change(row.entity, row.record, None, "delete", o, None, row.region, row.sheet,
                               row.cells.get("delete")))
