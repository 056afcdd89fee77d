"""One field-level change of a record: what a merge plans, the seed loads and the store commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ORPHANS_SOURCE = "upgrade:owned-of-deleted"  # the source of the revision an upgrade deleted orphaned records in
APPROX_SOURCE = "upgrade:approx-kinds"  # ... and of the one that gave each approximate figure its kind (format 6)


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
    marks: dict[str, Any] | None = None  # an update's marks of its value: {"approx": mark | None, "inferred": False}

    def to_json(self) -> dict:
        return {"entity": self.entity, "record": self.record, "field": self.field, "op": self.op,
                "old": self.old, "new": self.new, "sheet": self.sheet, "cell": self.cell}
