"""Rules between the fields of one row, which a sheet of the schema names in its `checks:`.

Each rule reads a row's stored values and, when broken, gives the parameters of the issue the check names.
Pure and small, so the schema can check its rules at load time without importing the validator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbook.template.normalize import plain_number


@dataclass(frozen=True)
class CrossRule:
    """A rule between the fields of one row, used by a sheet's `checks:` in the schema."""

    fields: tuple[str, ...]  # check keys that name fields of the sheet (the first is where the issue points)
    values: tuple[str, ...]  # check keys that hold values (an enum code)
    broken: Any  # (row values, check) -> the message's parameters when the rule is broken, else None
    says: str  # what it requires, for the README's field reference
    # (row values, check) -> (the check key naming the empty field, the message's parameters) when one side is
    # empty but the other says what it should hold: a warning (`unset_code`) at the empty cell, not an error
    unset: Any = None
    unset_code: str | None = None


def _at_most(v: dict, check: dict) -> dict | None:
    value, limit = v.get(check["field"]), v.get(check["limit"])
    if value is not None and limit is not None and value > limit:
        return {"above": value, "total": limit}
    return None


def _full_when(v: dict, check: dict) -> dict | None:
    progress, status = v.get(check["field"]), v.get(check["status"])
    if progress is not None and status is not None and ((progress >= 100) != (status == check["done"])):
        return {"progress": plain_number(progress), "status": status}
    return None


def _full_but_unset(v: dict, check: dict) -> tuple[str, dict] | None:
    """100 % with no status: the rule says the status is `done`; left empty, a finished measure is counted unset."""
    progress = v.get(check["field"])
    if progress is not None and progress >= 100 and v.get(check["status"]) is None:
        return "status", {"progress": plain_number(progress)}
    return None


def _not_before(v: dict, check: dict) -> dict | None:
    start, due = v.get(check["start"]), v.get(check["field"])
    if start and due and due < start:
        return {"due": due, "start": start}
    return None


CROSS_RULES = {
    "at_most": CrossRule(("field", "limit"), (), _at_most, "`field` may not exceed `limit`."),
    "full_when": CrossRule(("field", "status"), ("done",), _full_when,
                           "`field` is 100 % exactly when `status` is `done`; 100 % with `status` empty is a "
                           "warning at `status` (`cross_progress_unset`).",
                           _full_but_unset, "cross_progress_unset"),
    "not_before": CrossRule(("field", "start"), (), _not_before, "`field` may not be earlier than `start`."),
}
