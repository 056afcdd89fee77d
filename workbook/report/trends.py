"""Trends across rounds, from plain data: how returns, completeness and measures went round after round, how
each constraint factor's severities moved since an earlier round, and each region's core figures then and now.

Rates are over the regions a round issued (never re-based onto another round's); records of an earlier
snapshot come migrated to the schema of now (renamed fields under their new names), so rounds under different
template versions compare on the fields that map across; a region absent from one of two rounds is named,
not counted as zero. Plain Python loops: one pass over the records of each snapshot (see the README)."""

from __future__ import annotations

from datetime import date
from typing import Any

from workbook.campaign.history import counts
from workbook.campaign.rounds import completeness
from workbook.template.model import Schema

SEVERITY_KEYS = ("worsened", "improved", "unchanged", "new", "resolved")


CORE_FIGURES = ("clusters", "enterprises", "employment", "output")


TOP_MOVERS = 10


def _severity(value: Any) -> int | float | None:
    return value if type(value) in (int, float) else None


def round_entry(schema: Schema, rnd: dict, issued: list[str], attempts: list[dict], outcome: dict[str, str],
                records: dict[str, dict[str, dict]], as_of: date) -> dict:
    """One round's line of the trends: the contract's `rounds` entry. `records`: entity -> id -> record at the
    round's snapshot (closed) or now (open), of any regions; only the regions it issued count. Measures overdue as
    of `as_of` (the closing day of a closed round, today for an open one)."""
    wanted = set(issued)
    by_region: dict[str, dict[str, dict[str, dict]]] = {r: {} for r in issued}
    for entity, recs in records.items():
        for rid, rec in recs.items():
            region = rec.get("region")
            if region in wanted:
                by_region[region].setdefault(entity, {})[rid] = rec
    filled = [c for c in (completeness(schema, by_region[r]) for r in issued) if c is not None]
    statuses = [o.code for o in schema.enums["rec_status"]]
    measures = dict.fromkeys(statuses, 0) | {"unset": 0, "overdue": 0}
    for rid in issued:
        for m in by_region[rid].get("recommendation", {}).values():
            status = m.get("status")
            measures[status if status in measures and status != "overdue" else "unset"] += 1
            due = m.get("due_date")
            if due and status != "done" and date.fromisoformat(due) < as_of:
                measures["overdue"] += 1
    return {"name": rnd["name"], "period": rnd.get("period"), "due": rnd["due"], "state": rnd["state"],
            **counts(issued, attempts, outcome),
            "completeness": round(sum(filled) / len(filled), 4) if filled else None,
            "completeness_regions": len(filled), "recommendations": measures, "as_of": as_of.isoformat()}


def severity_changes(schema: Schema, then: dict[str, dict[str, dict]], now: dict[str, dict[str, dict]],
                     regions: set[str], from_round: str) -> tuple[list[dict], list[dict]]:
    """Per factor, how the clusters of `regions` moved between two snapshots, each cluster in one count at most:
    `resolved` at 2 or 3 then, 0 or empty now; `new` assessed now, not then; of the others assessed both times,
    `worsened`, `improved` or `unchanged`. And the clusters that moved most (the sum of their changes over the
    factors assessed both times, largest first)."""
    names = {**{cid: c for cid, c in then.get("cluster", {}).items()},
             **{cid: c for cid, c in now.get("cluster", {}).items()}}
    clusters = [cid for cid, c in names.items() if c.get("region") in regions]
    matrix_then, matrix_now = then.get("constraint", {}), now.get("constraint", {})
    tallies = {f.id: dict.fromkeys(SEVERITY_KEYS, 0) for f in schema.factors}
    movers = []
    for cid in clusters:
        before, after = matrix_then.get(cid) or {}, matrix_now.get(cid) or {}
        up = down = delta = 0
        for fid, tally in tallies.items():
            a, b = _severity(before.get(fid)), _severity(after.get(fid))
            if a is not None and a >= 2 and not b:
                tally["resolved"] += 1
                down, delta = down + 1, delta - a
            elif b is not None and a is None:
                tally["new"] += 1
            elif a is not None and b is not None:
                key = "worsened" if b > a else "improved" if b < a else "unchanged"
                tally[key] += 1
                up, down, delta = up + (b > a), down + (b < a), delta + (b - a)
        if up or down:
            c = names[cid]
            movers.append({"record": cid, "region": c.get("region"), "name": c.get("name_zh"),
                           "name_en": c.get("name_en"), "worsened": up, "improved": down, "delta": delta})
    movers.sort(key=lambda m: (-abs(m["delta"]), -(m["worsened"] + m["improved"]), m["record"]))
    return [{"factor": fid, "from_round": from_round, **tally} for fid, tally in tallies.items()], movers[:TOP_MOVERS]


def core_figures(records: dict[str, dict[str, dict]], regions: list[str]) -> dict[str, dict[str, Any]]:
    """Per region: its clusters and the sums of enterprises, employment and output (None where no cluster has
    a value: unknown, not 0)."""
    out = {r: {"clusters": 0, "enterprises": None, "employment": None, "output": None} for r in regions}
    for c in records.get("cluster", {}).values():
        row = out.get(c.get("region"))
        if row is None:
            continue
        row["clusters"] += 1
        for key in CORE_FIGURES[1:]:
            v = c.get(key)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                row[key] = v if row[key] is None else row[key] + v
    for row in out.values():
        if isinstance(row["output"], float):
            row["output"] = round(row["output"], 6)
    return out


def region_changes(current: dict[str, dict], previous: dict[str, dict] | None, regions: dict[str, dict],
                   absent: dict[str, str]) -> list[dict]:
    """Current | previous | change per region. `absent`: region -> the round it was not issued in (its figures
    there are none of that round's returns: named, with no previous figure and no change)."""
    out = []
    for rid, region in regions.items():
        cur = current.get(rid)
        prev = None if previous is None or rid in absent else previous.get(rid)
        delta = None
        if cur is not None and prev is not None:
            delta = {k: (None if cur[k] is None or prev[k] is None else
                         round(cur[k] - prev[k], 6) if isinstance(cur[k] - prev[k], float) else cur[k] - prev[k])
                     for k in CORE_FIGURES}
        out.append({"region": rid, "name_zh": region.get("name_zh"), "name_en": region.get("name_en"),
                    "current": cur, "previous": prev, "delta": delta, "absent_from": absent.get(rid)})
    return out
