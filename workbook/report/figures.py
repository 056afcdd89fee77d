"""The consolidated report's figures, from a snapshot of the store's records: pure, no store, no files.

What a director asks of the returns: how big each region's clusters are, which constraints hold back most
clusters and where, which measures are late, how far targets are reached, what changed since the last
round, and how far to trust each number. The result is the `report --format json` document of the
contract, plus what the report workbook shows beside it (coverage, totals, rankings, data quality).

Honest figures: a sum covers the records that have a value and says how many they are; where none has
one it is None (shown as "—"), never 0."""

from __future__ import annotations

from datetime import date
from typing import Any

from workbook.campaign.rounds import completeness
from workbook.template.approx import approx_marks, mark, sum_kind
from workbook.template.model import Schema
from workbook.template.schema import FIGURES, MOVES

IGNORED = {"evidence", "approx", "region"}  # kept beside the values, not values that change


TOP_MOVES = 10


def _filled(value: Any) -> bool:
    return value not in (None, "", [])


def _sum(records: list[dict], key: str) -> tuple[float | int | None, int]:
    """The sum over the records that have a value, and how many have one (None when none has)."""
    values = [r[key] for r in records if isinstance(r.get(key), (int, float)) and not isinstance(r.get(key), bool)]
    if not values:
        return None, 0
    total = sum(values)
    return (round(total, 6) if isinstance(total, float) else total), len(values)


def _sum_kinds(records: list[dict]) -> dict[str, dict]:
    """What each sum is where approximate figures went into it, in the contract's shape of marks: a sum of
    lower bounds (多, 余, 以上; a range's low bound) is at least so, of upper bounds (近) at most, of a mix or
    of figures about so, about (`approx.sum_kind`). An exact sum has no entry."""
    out = {}
    for key in FIGURES:
        kind = sum_kind(approx_marks(r.get("approx")).get(key, {}).get("kind") for r in records
                        if isinstance(r.get(key), (int, float)) and not isinstance(r.get(key), bool))
        if kind:
            out[key] = mark(kind)
    return out


def _by_region(records: dict[str, dict], regions: list[str]) -> dict[str, list[tuple[str, dict]]]:
    out: dict[str, list[tuple[str, dict]]] = {r: [] for r in regions}
    for rid, rec in records.items():
        if rec.get("region") in out:
            out[rec["region"]].append((rid, rec))
    return out


def figures(schema: Schema, records: dict[str, dict[str, dict]], regions: dict[str, dict], *, today: date,
            revision: int, rnd: dict | None = None, since: dict[str, dict[str, dict]] | None = None,
            since_round: dict | None = None, compared: dict[str, dict[str, dict]] | None = None) -> dict:
    """Everything the report says. `records`: entity -> id -> record at the reported revision; `regions`:
    the regions reported, in order; `since`: the records of the earlier snapshot to compare with; `compared`:
    what the changes are read from, where it is not `records` (other rounds' returns taken out, `take_out`)."""
    order = list(regions)
    clusters = _by_region(records.get("cluster", {}), order)
    recs = _by_region(records.get("recommendation", {}), order)
    matrix = records.get("constraint", {})
    indicators = _by_region(records.get("indicator", {}), order)
    statuses = [o.code for o in schema.enums["rec_status"]]
    out_regions, overdue = [], []
    for rid in order:
        cl = [r for _i, r in clusters[rid]]
        row: dict[str, Any] = {"region": rid, "name_zh": regions[rid].get("name_zh"),
                               "name_en": regions[rid].get("name_en"), "clusters": len(cl), "coverage": {}}
        for key in FIGURES:
            row[key], row["coverage"][key] = _sum(cl, key)
        row["approx"] = _sum_kinds(cl)
        own = {"cluster": dict(clusters[rid]), "recommendation": dict(recs[rid])}
        row["completeness"] = completeness(schema, own)  # None: no record to fill
        counts = dict.fromkeys(statuses, 0) | {"unset": 0, "overdue": 0}
        for mid, m in recs[rid]:
            status = m.get("status")
            counts[status if status in counts else "unset"] += 1
            due = m.get("due_date")
            if due and status != "done" and date.fromisoformat(due) < today:
                counts["overdue"] += 1
                overdue.append({"region": rid, "record": mid, "title": m.get("title_zh"),
                                "title_en": m.get("title_en"), "owner": m.get("owner"), "due_date": due,
                                "days_overdue": (today - date.fromisoformat(due)).days, "status": status})
        row["recommendations"] = counts
        row["formation_type"] = _count(cl, "formation_type", [o.code for o in schema.enums["formation_type"]])
        row["stage"] = _count(cl, "stage", [o.code for o in schema.enums["stage"]])
        out_regions.append(row)
    overdue.sort(key=lambda o: (-o["days_overdue"], o["region"], o["record"]))
    constraints = _constraints(schema, clusters, matrix, order)
    changes = _changes(since, records if compared is None else compared, order) if since is not None else []
    names = {cid: (c.get("name_zh"), c.get("name_en")) for cid, c in records.get("cluster", {}).items()}
    return {
        "round": rnd,
        "revision": revision,
        "as_of": today.isoformat(),
        "regions": out_regions,
        "total": _total(out_regions, statuses),
        "constraints": constraints,
        "factor_ranking": _ranking(schema, constraints),
        "overdue": overdue,
        "targets": _targets(indicators, order),
        "since": since_round,
        "changes": changes,
        "change_counts": change_counts(changes, order),
        "moves": [{**m, "name": names.get(m["record"], (None, None))[0],
                   "name_en": names.get(m["record"], (None, None))[1]} for m in largest_moves(changes)],
        "quality": _quality(schema, clusters, recs, indicators, order),
    }


def _count(records: list[dict], key: str, codes: list[Any]) -> dict[str, int]:
    out = {str(c): 0 for c in codes} | {"unset": 0}
    for r in records:
        v = r.get(key)
        out[str(v) if str(v) in out and v is not None else "unset"] += 1
    return out


def _total(rows: list[dict], statuses: list[str]) -> dict:
    total: dict[str, Any] = {"clusters": sum(r["clusters"] for r in rows), "coverage": {}}
    for key in FIGURES:
        values = [r[key] for r in rows if r[key] is not None]
        total[key] = (round(sum(values), 6) if any(isinstance(v, float) for v in values) else sum(values)) \
            if values else None
        total["coverage"][key] = sum(r["coverage"][key] for r in rows)
    kinds = {key: sum_kind(r["approx"].get(key, {}).get("kind") for r in rows if r[key] is not None)
             for key in FIGURES}
    total["approx"] = {key: mark(kind) for key, kind in kinds.items() if kind}
    total["recommendations"] = {k: sum(r["recommendations"][k] for r in rows)
                                for k in [*statuses, "unset", "overdue"]}
    filled = [r["completeness"] for r in rows if r["completeness"] is not None]
    total["completeness"] = round(sum(filled) / len(filled), 4) if filled else None
    return total


def _constraints(schema: Schema, clusters: dict[str, list[tuple[str, dict]]], matrix: dict[str, dict],
                 order: list[str]) -> list[dict]:
    """Per factor and region: clusters assessed, clusters at severity 2 or 3, mean severity of the assessed."""
    tallies: dict[str, dict[str, list]] = {}  # region -> factor -> [assessed, at least 2, sum]
    for rid in order:
        tally = tallies[rid] = {f.id: [0, 0, 0] for f in schema.factors}
        for cid, _c in clusters[rid]:
            for fid, v in (matrix.get(cid) or {}).items():  # a matrix record holds the assessed factors only
                counts = tally.get(fid)
                if counts is not None and type(v) in (int, float):
                    counts[0] += 1
                    counts[1] += v >= 2
                    counts[2] += v
    return [{"factor": f.id, "group": f.group, "region": rid, "assessed": a, "at_least_2": at2,
             "mean": round(total / a, 3) if a else None}
            for f in schema.factors for rid in order for a, at2, total in (tallies[rid][f.id],)]


def _ranking(schema: Schema, constraints: list[dict]) -> list[dict]:
    """Factors by how many clusters they hold back (severity 2 or 3), most first."""
    totals: dict[str, dict] = {}
    for c in constraints:
        t = totals.setdefault(c["factor"], {"factor": c["factor"], "group": c["group"], "assessed": 0,
                                            "at_least_2": 0, "regions": 0})
        t["assessed"] += c["assessed"]
        t["at_least_2"] += c["at_least_2"]
        t["regions"] += 1 if c["at_least_2"] else 0
    position = {f.id: i for i, f in enumerate(schema.factors)}
    return sorted(totals.values(), key=lambda t: (-t["at_least_2"], -t["assessed"], position[t["factor"]]))


def _targets(indicators: dict[str, list[tuple[str, dict]]], order: list[str]) -> list[dict]:
    """Every target, beside the latest actual figure of the same indicator, unit and subject (progress where
    both have a value)."""
    out = []
    for rid in order:
        actuals: dict[tuple, tuple[str, dict]] = {}
        for iid, ind in sorted(indicators[rid]):
            if ind.get("kind") == "actual" and isinstance(ind.get("value"), (int, float)):
                key = (ind.get("subject"), ind.get("metric_zh"), ind.get("unit"))
                held = actuals.get(key)
                if held is None or (ind.get("year") or 0, iid) >= (held[1].get("year") or 0, held[0]):
                    actuals[key] = (iid, ind)
        for iid, ind in sorted(indicators[rid]):
            if ind.get("kind") != "target":
                continue
            found = actuals.get((ind.get("subject"), ind.get("metric_zh"), ind.get("unit")))
            target, actual = ind.get("value"), found[1]["value"] if found else None
            progress = round(actual / target, 4) if isinstance(target, (int, float)) and target and \
                actual is not None else None
            out.append({"region": rid, "record": iid, "subject": ind.get("subject"), "metric": ind.get("metric_zh"),
                        "metric_en": ind.get("metric_en"), "unit": ind.get("unit"), "target": target,
                        "actual": actual, "actual_record": found[0] if found else None, "progress": progress})
    return out


def _changes(before: dict[str, dict[str, dict]], after: dict[str, dict[str, dict]], order: list[str]) -> list[dict]:
    """Field by field, what differs between two snapshots (an insert or a delete is one change, field None)."""
    wanted = set(order)
    out = []
    for entity in sorted(set(before) | set(after)):
        old_all, new_all = before.get(entity, {}), after.get(entity, {})
        for rid in sorted(set(old_all) | set(new_all)):
            old, new = old_all.get(rid), new_all.get(rid)
            region = (new or old or {}).get("region") if entity != "region" else rid
            if region not in wanted:
                continue
            if old is None or new is None:
                shown_old = None if old is None else {k: v for k, v in old.items() if k not in IGNORED}
                shown_new = None if new is None else {k: v for k, v in new.items() if k not in IGNORED}
                out.append({"region": region, "entity": entity, "record": rid, "field": None,
                            "op": "insert" if old is None else "delete", "old": shown_old, "new": shown_new})
                continue
            for key in sorted((set(old) | set(new)) - IGNORED):
                a, b = old.get(key), new.get(key)
                if a != b and (_filled(a) or _filled(b)):
                    out.append({"region": region, "entity": entity, "record": rid, "field": key, "op": "update",
                                "old": a, "new": b})
    return out


def take_out(records: dict[str, dict[str, dict]], before: dict[str, dict[str, dict]],
             after: dict[str, dict[str, dict]]) -> dict[str, dict[str, dict]]:
    """`records` with one revision's changes taken back where they still stand (a value changed again since
    stays). `before` and `after`: the records the revision changed, as they were before it and after it (a
    record absent: it did not exist). A new mapping; `records` is not changed."""
    out = dict(records)
    for entity in set(before) | set(after):
        old_all, new_all = before.get(entity, {}), after.get(entity, {})
        recs = out[entity] = dict(out.get(entity, {}))
        for rid in set(old_all) | set(new_all):
            old, new, now = old_all.get(rid), new_all.get(rid), recs.get(rid)
            if new is None:  # deleted by it: back, unless made again since
                if old is not None and now is None:
                    recs[rid] = old
            elif old is None:  # inserted by it
                recs.pop(rid, None)
            elif now is not None:
                back = dict(now)
                for key in set(old) | set(new):
                    if old.get(key) != new.get(key) and now.get(key) == new.get(key):
                        if key in old:
                            back[key] = old[key]
                        else:
                            back.pop(key, None)
                recs[rid] = back
    return out


def change_counts(changes: list[dict], order: list[str]) -> list[dict]:
    """Changed fields per region and entity (an insert or delete counts once)."""
    counts: dict[tuple[str, str], int] = {}
    for c in changes:
        counts[(c["region"], c["entity"])] = counts.get((c["region"], c["entity"]), 0) + 1
    position = {r: i for i, r in enumerate(order)}
    return [{"region": r, "entity": e, "changes": n}
            for (r, e), n in sorted(counts.items(), key=lambda item: (position.get(item[0][0], 0), item[0][1]))]


def largest_moves(changes: list[dict]) -> list[dict]:
    """The largest changes of output and employment, by size, where both the old and the new figure exist."""
    moves = [{**c, "delta": c["new"] - c["old"]} for c in changes
             if c["entity"] == "cluster" and c["field"] in MOVES and isinstance(c["old"], (int, float))
             and isinstance(c["new"], (int, float))]
    out = []
    for field in MOVES:
        out += sorted((m for m in moves if m["field"] == field), key=lambda m: -abs(m["delta"]))[:TOP_MOVES]
    return out


def _quality(schema: Schema, clusters: dict, recs: dict, indicators: dict, order: list[str]) -> list[dict]:
    """Per region: the share of each core field filled, and the figures that are approximate or unknown."""
    core = [(sheet.entity, f.key) for sheet in schema.sheets for f in sheet.fields if f.core]
    groups = {"cluster": clusters, "recommendation": recs}
    out = []
    for rid in order:
        filled = {}
        for entity in dict.fromkeys(e for e, _k in core):
            keys = [k for e, k in core if e == entity]
            records = groups.get(entity, {}).get(rid, [])
            counts = dict.fromkeys(keys, 0)
            for _i, r in records:
                for k in keys:
                    if r.get(k) not in (None, "", []):
                        counts[k] += 1
            for k in keys:
                filled[f"{entity}.{k}"] = round(counts[k] / len(records), 4) if records else None
        approx = sum(len(r.get("approx") or []) for _i, r in clusters[rid]) + \
            sum(len(r.get("approx") or []) for _i, r in indicators[rid])
        unknown = sum(1 for _i, r in indicators[rid] if r.get("value") is None)
        out.append({"region": rid, "filled": filled, "approximate": approx, "unknown": unknown,
                    "records": {"cluster": len(clusters[rid]), "recommendation": len(recs[rid]),
                                "indicator": len(indicators[rid])}})
    return out
