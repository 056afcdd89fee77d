"""Reporting rounds and the return tracker: what a round's state is, from plain data (no store, no files).

A round issues one workbook to each of its regions with a due date. Every validate or merge of such a
workbook is a return attempt; a region's state follows its latest attempt:

    not_returned  no attempt yet
    received      the last attempt had no error or conflict, and nothing was merged yet
    errors        the last attempt had errors
    conflicts     the last attempt had conflicts
    merged        a merge applied, or found nothing to change

A region is overdue when the due date (the machine's local date) has passed and it is not merged."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from workbook.core.errors import UsageError

if TYPE_CHECKING:
    from workbook.template.model import Schema
from typing import TYPE_CHECKING

from workbook.core.messages import ROUND_WORDS, STATE_WORDS

if TYPE_CHECKING:

    from workbook.template.model import Schema


STATES = ("not_returned", "received", "errors", "conflicts", "merged")


ROUND_KEYS = ("name", "period", "due", "state", "opened_at", "closed_at")


UNSAFE_NAME = re.compile(r"[\\/:*?\"<>|\x00-\x1f]")


def check_name(name: str) -> str:
    """A round's name also names its folder of workbooks: no path characters, not empty."""
    name = name.strip()
    if not name or name in (".", "..") or UNSAFE_NAME.search(name) or len(name) > 100:
        raise UsageError("usage_round_name", name=name)
    return name


def parse_due(text: str) -> date:
    """A due date as officials write it: 2026-04-30, 2026/4/30, 2026年4月30日."""
    from workbook.template.normalize import parse_date

    found = parse_date(text)
    if found.value is None or any(n.severity == "error" for n in found.notes) or found.notes:
        raise UsageError("usage_due_date", text=text)
    return date.fromisoformat(found.value)


def round_json(rnd: dict) -> dict:
    """The round as the contract shows it, and what else a script may want (regions, revisions)."""
    return {**{k: rnd.get(k) for k in ROUND_KEYS}, "regions": list(rnd.get("regions") or []),
            "opened_rev": rnd.get("opened_rev"), "closed_rev": rnd.get("closed_rev")}


def attempt_state(action: str, errors: int, conflicts: int) -> str:
    """The state one attempt leaves its region in."""
    if errors:
        return "errors"
    if conflicts:
        return "conflicts"
    return "merged" if action == "merge" else "received"


def completeness(schema: Schema, records: dict[str, dict[str, dict]]) -> float | None:
    """The share of the core fields (marked `core` in templates/) that the records fill; None without any
    record to fill."""
    filled = total = 0
    for sheet in schema.sheets:
        core = [f.key for f in sheet.fields if f.core]
        if not core:
            continue
        for rec in records.get(sheet.entity, {}).values():
            total += len(core)
            filled += sum(1 for k in core if rec.get(k) not in (None, "", []))
    return round(filled / total, 4) if total else None


def contact_text(region: dict) -> str | None:
    parts = [region.get(k) for k in ("contact_unit", "contact_person", "contact_phone", "contact_email")]
    shown = [str(p) for p in parts if p not in (None, "")]
    return " · ".join(shown) if shown else None


def status(rnd: dict, workbooks: list[dict], attempts: list[dict], regions: dict[str, dict],
           completeness_of: dict[str, float | None], today: date) -> dict:
    """The tracker of one round: a row per region, and the summary (the contract's `status` shape)."""
    due = date.fromisoformat(rnd["due"])
    issued = {w["region"]: w for w in workbooks}
    by_region: dict[str, list[dict]] = {}
    for a in attempts:
        by_region.setdefault(a["region"], []).append(a)
    rows = []
    for rid in rnd["regions"]:
        region = regions.get(rid, {})
        tried = sorted(by_region.get(rid, []), key=lambda a: a["ordinal"])
        latest = tried[-1] if tried else None
        state = latest["state"] if latest else "not_returned"
        merged = [a for a in tried if a["state"] == "merged"]
        wb = issued.get(rid)
        rows.append({
            "region": rid,
            "name_zh": region.get("name_zh"),
            "name_en": region.get("name_en"),
            "workbook": wb["workbook"] if wb else None,
            "issued_at": wb["at"] if wb else None,
            "state": state,
            "attempts": len(tried),
            "last_attempt_at": latest["at"] if latest else None,
            "merged_at": max(a["at"] for a in merged) if merged else None,
            "changes": sum(a["changes"] for a in tried if a["applied"]),
            "errors": latest["errors"] if latest else 0,
            "conflicts": latest["conflicts"] if latest else 0,
            "overdue": today > due and state != "merged",
            "completeness": completeness_of.get(rid) or 0.0,
            "contact": contact_text(region),
        })
    summary = {"issued": len(issued), "returned": sum(1 for r in rows if r["attempts"]),
               "merged": sum(1 for r in rows if r["state"] == "merged"),
               "overdue": sum(1 for r in rows if r["overdue"])}
    return {"round": round_json(rnd), "regions": rows, "summary": summary}


def attempt_record(round_name: str, region: str, workbook: str, file: str, sha256: str, *, by: str, action: str,
                   errors: int, warnings: int, conflicts: int, changes: int, applied: bool,
                   revision: int | None) -> dict[str, Any]:
    """One attempt as the store keeps it."""
    return {"round": round_name, "workbook": workbook, "region": region, "file": file, "sha256": sha256, "by": by,
            "action": action, "state": attempt_state(action, errors, conflicts), "errors": errors,
            "warnings": warnings, "conflicts": conflicts, "changes": changes, "applied": applied,
            "revision": revision}


def summary_line(tracker: dict, lang: str) -> str:
    rnd, s = tracker["round"], tracker["summary"]
    return ROUND_WORDS["summary"][lang].format(name=rnd["name"], due=rnd["due"], state=STATE_WORDS[lang][rnd["state"]],
                                               **s)
