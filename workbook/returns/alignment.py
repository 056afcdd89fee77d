"""Rows whose cells no longer belong together: the editable cells moved to other rows, the ids stayed.

An official who sorts a few columns instead of the whole table (or pastes a block one row off, or drags a
column block) leaves every id, source and quote where it was and moves names and figures to other rows.
Read row by row, each such row is a plausible edit of its record, and a merge would write every figure onto
the wrong cluster. This module finds it, per sheet, from the values alone: pure, no file, no store.

Two signs, either enough:
- **Rows that carry another record's values.** On the cells where a row differs from its own record, it
  equals exactly one other record of the sheet (on two or more cells, or on a text such as a name), and
  that record's own row differs too (its values went elsewhere). Two or more such rows, each pointing at a
  different record, are rows out of place; so is one such row when the row of the record it points at now
  holds what the first row's record held (an exchange).
- **A column whose values were rearranged.** Three or more rows differ from their records in a column, and
  what they hold now is what they held before, in another order; in a column of few values (a dropdown, a
  severity) only if equal values now stand side by side where they did not, as a sort leaves them.
A genuine edit matches neither: a renamed cluster takes a new name, and if it is another's, that record
still shows it; figures typed in are not a reshuffle of the column's own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from workbook.template.field_types import field_type
from workbook.template.model import Field


@dataclass
class SheetRow:
    """What the check needs of a row: where it is, whose id it shows, and its editable values."""

    row: int
    record: str
    values: dict[str, Any] | None  # None: the row is its record as issued (no cell differs)


@dataclass
class Displacement:
    rows: list[int]  # the sheet's rows that differ from their records, ascending: none can be trusted
    moved: list[str]  # field keys whose values moved, in column order
    example: tuple[int, str, str] | None = None  # (row, the id it shows, the record its values belong to)
    records: list[str] = field(default_factory=list)  # ids shown on those rows


def _key(value: Any) -> Any:
    """A hashable form under which equal stored values meet: empty is empty, 1100 is 1100.0, floats to 9
    decimals, a list by its items. Most values are their own key (this runs for every cell compared)."""
    kind = type(value)
    if kind is str:
        return value or None
    if kind is int:
        return value
    if kind is float:
        return round(value, 9)
    if value is None:
        return None
    if kind is bool:
        return ("bool", value)
    if kind is list:
        return tuple(map(str, value)) or None
    return ("other", str(value))


def find_displacement(rows: Iterable[SheetRow], base: dict[str, dict], fields: list[Field]) -> Displacement | None:
    """The rows of one sheet whose editable cells belong to other records, or None.

    `base`: the sheet's records as the workbook was cut (id -> record); `fields`: the editable fields whose
    columns the sheet has, in column order."""
    rows = [r for r in rows if r.record in base]
    keys = [f.key for f in fields]
    present: list[str] = []
    changed: list[tuple[SheetRow, list[str]]] = []
    for r in rows:
        rec = base[r.record]
        present.append(r.record)
        if r.values is not None:
            values = r.values
            diff = [k for k in keys if (a := values.get(k)) != (b := rec.get(k)) and _key(a) != _key(b)]
            if diff:
                changed.append((r, diff))
    if len(changed) < 2:  # most sheets: nothing more to look at
        return None
    # what the sheet's records held, for the fields that differ somewhere: value -> the records holding it
    needed = {k for _r, diff in changed for k in diff}
    holders: dict[str, dict[Any, set[str]]] = {k: {} for k in needed}
    for rid in present:
        rec = base[rid]
        for k in needed:
            v = rec.get(k)
            holders[k].setdefault(v if type(v) is int or (type(v) is str and v) else _key(v), set()).add(rid)
    types = {f.key: field_type(f) for f in fields}
    out_rows: dict[int, SheetRow] = {}
    moved: set[str] = set()
    example = None
    # sign 1: rows pinned to exactly one other record, two or more of them, or one and the row of that record
    # holding what the first held (two rows exchanged)
    candidates: dict[str, set[str]] = {}
    for r, diff in changed:
        found: set[str] | None = None
        for k in diff:
            hold = holders[k].get(_key(r.values.get(k)), set())
            found = set(hold) if found is None else found & hold
            if not found:
                break
        candidates[r.record] = (found or set()) - {r.record}
    changed_rows = {r.record: (r, diff) for r, diff in changed}
    donors: set[str] = set()
    pinned: list[tuple[SheetRow, list[str], str]] = []
    for r, diff in changed:
        specific = len(diff) >= 2 or types[diff[0]].free_text
        found = candidates[r.record]
        # a row moved here: its donor's own row lost those values too (a record that still shows its own
        # values only happens to share them with an edited row)
        if len(found) == 1 and specific and (donor := next(iter(found))) in changed_rows and donor not in donors:
            donors.add(donor)
            pinned.append((r, diff, donor))
    if len(pinned) == 1:  # one row pinned: out of place if its donor's row holds what this row's record held
        r, diff, donor = pinned[0]
        if r.record in candidates[donor]:
            pinned.append((*changed_rows[donor], r.record))
        else:
            pinned = []
    if len(pinned) >= 2:
        for r, diff, donor in pinned:
            out_rows[r.row] = r
            moved.update(diff)
            if example is None:
                example = (r.row, r.record, donor)
    # sign 2: a column whose values were rearranged among three or more rows; for a column of few values
    # (a dropdown, a severity) only when the rearrangement left equal values side by side, as a sort does
    by_row = sorted(rows, key=lambda r: r.row)
    for k in keys:
        differing = [r for r, diff in changed if k in diff]
        if len(differing) < 3:
            continue
        now = Counter(_key(r.values.get(k)) for r in differing)
        if len(now) < 2 or now != Counter(_key(base[r.record].get(k)) for r in differing):
            continue
        if not types[k].ordered:  # few values (a dropdown, a severity)
            first, last = min(r.row for r in differing), max(r.row for r in differing)
            block = [r for r in by_row if first <= r.row <= last]
            after = [_key((r.values if r.values is not None else base[r.record]).get(k)) for r in block]
            before = [_key(base[r.record].get(k)) for r in block]
            if not _grouped(after) or _grouped(before):
                continue
        moved.add(k)
        for r in differing:
            out_rows.setdefault(r.row, r)
    if not out_rows:
        return None
    for r, _diff in changed:  # once cells are out of place, no difference on the sheet can be taken as an edit
        out_rows.setdefault(r.row, r)
    ordered = sorted(out_rows)
    return Displacement(rows=ordered, moved=[k for k in keys if k in moved], example=example,
                        records=[out_rows[n].record for n in ordered])


def _grouped(values: list[Any]) -> bool:
    """Whether equal values stand side by side (each value in one run), as after sorting by that column."""
    seen: set[Any] = set()
    previous: Any = object()
    for v in values:
        if v != previous:
            if v in seen:
                return False
            seen.add(v)
            previous = v
    return True


def spans(numbers: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs: [2, 3, 4, 7] -> [(2, 4), (7, 7)]."""
    out: list[tuple[int, int]] = []
    for n in sorted(numbers):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out
