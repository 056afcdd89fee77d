"""A coordinator's campaign: open, close and reopen reporting rounds, the return tracker of one, and the
consolidated report of what the returns say.

Between the command line and the store, as `round_trip` is for returned files: each function opens what it needs,
calls the pure `rounds` module, and returns plain data."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from workbook.campaign.history import RECORD_ROUNDS, outcomes, record
from workbook.campaign.rounds import check_name, completeness, parse_due, round_json, status
from workbook.core.errors import Unknown, UsageError
from workbook.core.scope import Scope
from workbook.store.schema_versions import current_schema, schema_at, schema_steps, version_at

if TYPE_CHECKING:
    from workbook.store import Store


FILE_UNSAFE = re.compile(r"[\\/:*?\"<>|\x00-\x1f\s]+")


def _file_name(round_name: str) -> Callable[[str, dict], str]:
    """A round's file for a region: `2026年度-XC-许昌市.xlsx`, a name that says what it is in an e-mail."""
    def name(rid: str, region: dict) -> str:
        label = FILE_UNSAFE.sub("_", str(region.get("name_zh") or "")).strip("_")
        return "-".join(p for p in (FILE_UNSAFE.sub("_", round_name), rid, label) if p) + ".xlsx"
    return name


def open_round(st: Store, name: str, *, due: str, period: str | None, region_ids: list[str], output: str | None,
               by: str, lang: str, progress: Callable[[str], None] | None = None) -> dict:
    """Register the round and issue one workbook per region, all in one transaction: a failure leaves no
    round, no registered workbook and no file of it behind."""
    from workbook.services import workbooks

    name = check_name(name)
    due_date = parse_due(due)
    folder = Path(output) if output else Path("output") / name
    if folder.exists() and not folder.is_dir():
        raise UsageError("usage_round_folder", path=str(folder))
    with workbooks.staged_files() as stage, st.transaction():  # a failure, the commit's too, leaves no file of it
        if st.round(name) is not None:
            raise UsageError("usage_round_exists", name=name)
        known = st.regions()
        unknown = [r for r in region_ids if r not in known]
        if unknown:
            raise UsageError("usage_unknown_region", unknown=", ".join(unknown), known=", ".join(known))
        chosen = list(dict.fromkeys(region_ids)) or sorted(known, key=lambda r: (known[r].get("order", 0), r))
        rnd = st.add_round(name, period=period, due=due_date.isoformat(), regions=chosen, by=by)
        written = workbooks.build(st, output=str(folder), region_ids=chosen, split=True, by=by, lang=lang,
                                  progress=progress, rnd=rnd, file_name=_file_name(name), stage=stage)
        for w in written:
            st.add_round_workbook(name, w["id"], w["regions"][0])
    return {"round": round_json(rnd),
            "workbooks": [{"id": w["id"], "region": w["regions"][0], "path": w["path"]} for w in written]}


def _known_round(st: Store, name: str) -> dict:
    rnd = st.round(name)
    if rnd is None:
        raise Unknown("usage_round_unknown", name=name, names=", ".join(r["name"] for r in st.rounds()) or "—")
    return rnd


def set_state(st: Store, name: str, state: str) -> tuple[dict, bool]:
    """Close or reopen a round; returns the round and whether it changed (closing a closed round keeps its
    snapshot)."""
    with st.transaction():
        rnd = _known_round(st, name)
        if rnd["state"] == state:
            return round_json(rnd), False
        return round_json(st.set_round_state(name, state)), True


def list_rounds(st: Store) -> list[dict]:
    with st.reading():
        return [round_json(r) for r in st.rounds()]


def _round_or_last(st: Store, name: str | None) -> dict:
    """The round named, or the one opened last."""
    if name is not None:
        return _known_round(st, name)
    rounds = st.rounds()
    if not rounds:
        raise Unknown("usage_no_round")
    return rounds[-1]


def round_status(st: Store, name: str | None, today: date | None = None, *, scope: Scope) -> dict:
    """The return tracker of a round (default: the one opened last), of the regions in `scope` only: its rows,
    its summary and the round's list of regions (an office sees its own; nothing of the others is read)."""
    with st.reading():
        schema = current_schema(st)
        rnd = _round_or_last(st, name)
        rnd = {**rnd, "regions": scope.only(rnd["regions"])}
        regions = set(rnd["regions"])
        entities = [sheet.entity for sheet in schema.sheets if any(f.core for f in sheet.fields)]
        if rnd["state"] == "closed":  # its tracker stands as it was when it closed: completeness of its snapshot
            records = records_at(st, entities, rnd["closed_rev"], int(schema.version), regions)
        else:
            records = {entity: st.records(entity, regions=regions) for entity in entities}
        by_region: dict[str, dict[str, dict[str, dict]]] = {r: {} for r in regions}
        for entity, recs in records.items():
            for rid, rec in recs.items():
                by_region.setdefault(rec.get("region"), {}).setdefault(entity, {})[rid] = rec
        filled = {r: completeness(schema, by_region.get(r, {})) for r in regions}
        issued = [w for w in st.round_workbooks(rnd["name"]) if w["region"] in regions]
        attempts = [a for a in st.attempts(rnd["name"]) if a["region"] in regions]
        today = today or date.today()
        tracker = status(rnd, issued, attempts, st.regions(), filled, today)
        earlier = [r for r in st.rounds() if r["seq"] < rnd["seq"]][-(RECORD_ROUNDS - 1):]
        past = [_outcomes(st, r, regions, today) for r in earlier]
        past.append((rnd, outcomes(rnd, [w["region"] for w in issued], attempts, today)))
        for row in tracker["regions"]:  # who is late every year: the region's record over the last rounds
            row["record"] = record(past, row["region"])
        return tracker


def _outcomes(st: Store, rnd: dict, regions: set[str] | None, today: date) -> tuple[dict, dict[str, str]]:
    """A round and the outcome of each region it issued (of `regions` only, where given)."""
    issued = [w["region"] for w in st.round_workbooks(rnd["name"]) if regions is None or w["region"] in regions]
    attempts = [a for a in st.attempts(rnd["name"]) if regions is None or a["region"] in regions]
    return rnd, outcomes(rnd, list(dict.fromkeys(issued)), attempts, today)


def round_workbook(st: Store, region: str, round_name: str | None, *, scope: Scope) -> Path:
    """The file of a region's workbook as issued in a round (default: the one opened last), to hand to its
    office again. A region outside `scope` is refused first; a file no longer where it was written is not rebuilt
    (a new build would be another workbook, cut from the store now, with another id): the coordinator puts it back."""
    scope.ensure([region], "forbidden_region")
    with st.reading():
        rnd = _round_or_last(st, round_name)
        found = next((w for w in st.round_workbooks(rnd["name"]) if w["region"] == region), None)
    if found is None:
        # the round's regions the account may see, not the others' ids
        issued = ", ".join(scope.only(rnd["regions"])) or "—"
        raise Unknown("round_no_workbook", region=region, name=rnd["name"], issued=issued)
    path = Path(found["path"])
    if not path.is_file():
        raise Unknown("round_workbook_gone", region=region, name=rnd["name"], path=path.name,
                      workbook=found["workbook"])
    return path


def records_at(st: Store, entities: list[str], rev: int, version: int,
                regions: set[str] | None = None) -> dict[str, dict[str, dict]]:
    """The records at a revision, as the schema `version` keeps them (fields renamed since, and so on)."""
    return _migrated(st, {e: st.records_at(e, rev, regions) for e in entities}, rev, version)


def _migrated(st: Store, records: dict[str, dict[str, dict]], rev: int, version: int) -> dict[str, dict[str, dict]]:
    """Records read as they were at `rev`, as the schema `version` keeps them: the steps between the schema then
    and `version` applied (the records as read when there are none)."""
    steps = schema_steps(st, version_at(st, rev), version)
    if not steps:
        return records
    from workbook.template.schema_change import migrate_records

    return migrate_records(records, steps)


def summaries_of(st: Store, round_names: list[str], *, scope: Scope) -> list[dict]:
    """The status of each round named (the lines a merge of returns ends with), each once."""
    return [round_status(st, n, scope=scope) for n in dict.fromkeys(n for n in round_names if n)]


def report_figures(st: Store, *, round_name: str | None, since_name: str | None, region_ids: list[str],
                   today: date | None = None, scope: Scope) -> dict:
    """The figures of the consolidated report: of the store now, or of a closed round's snapshot (an open
    round: the store now, its regions), compared with the snapshot of `since_name` or of the last round
    closed before. A coordinator's only (`scope` of every region): it compares the regions."""
    from workbook.report.figures import figures

    scope.ensure_all("forbidden_report")
    with st.reading():
        schema = current_schema(st)
        rnd = _known_round(st, round_name) if round_name else None
        current = st.revision()
        revision = rnd["closed_rev"] if rnd and rnd["state"] == "closed" else current
        if since_name:
            since_round = _known_round(st, since_name)
            if since_round["state"] != "closed":
                raise UsageError("usage_since_open", name=since_name)
            if since_round["closed_rev"] > revision:
                raise UsageError("usage_since_later", name=since_name, since=since_round["closed_rev"], rev=revision)
        else:
            earlier = [r for r in st.rounds() if _closed_before(r, rnd) and (rnd is None or r["name"] != rnd["name"])]
            since_round = max(earlier, key=_closing) if earlier else None
        entities = schema.entity_names

        def snapshot(rev: int) -> dict[str, dict[str, dict]]:
            """The records at a revision, as the schema now keeps them (fields renamed since, and so on)."""
            if rev == current:
                return {e: st.records(e) for e in entities}
            return records_at(st, entities, rev, int(schema.version))

        records = snapshot(revision)
        known = records["region"]
        unknown = [r for r in region_ids if r not in known]
        if unknown:
            raise UsageError("usage_unknown_region", unknown=", ".join(unknown), known=", ".join(known))
        chosen = list(dict.fromkeys(region_ids)) or (list(rnd["regions"]) if rnd else
                                                     sorted(known, key=lambda r: (known[r].get("order", 0), r)))
        if rnd is not None and region_ids:  # a region outside the round: its figures are none of the round's returns
            outside = [r for r in chosen if r not in rnd["regions"]]
            if outside:
                raise UsageError("usage_region_not_in_round", regions=", ".join(outside), name=rnd["name"],
                                 issued=", ".join(rnd["regions"]))
        regions = {rid: known[rid] for rid in chosen if rid in known}
        since = snapshot(since_round["closed_rev"]) if since_round else None
        today = today or date.today()
        trends = _trends(st, schema, {revision: records, **({since_round["closed_rev"]: since} if since else {})},
                         current, set(chosen) if region_ids else None, today)
        compared = records
        if since is not None:
            trends |= _since_trends(schema, since, records, regions, since_round)
            since, compared = _rounds_apart(st, rnd, since_round, since, records, revision, int(schema.version))
    fig = figures(schema, records, regions, today=today, revision=revision,
                  rnd=round_json(rnd) if rnd else None, since=since, compared=compared,
                  since_round=round_json(since_round) if since_round else None)
    fig |= {"severity_changes": [], "severity_movers": [], "region_changes": []} | trends
    fig["schema_version"] = int(schema.version)  # the template its figures are of (the workbook's titles)
    return fig


def _trends(st: Store, schema, known: dict[int, dict[str, dict[str, dict]]], current: int,
            regions: set[str] | None, today: date) -> dict:
    """Every round's line of the trends (oldest first): its returns, and its completeness and measures at its
    snapshot (closed) or now (open), over the regions it issued (of `regions` only, where given). `known`:
    snapshots already read, by revision; the others are read once each, their clusters and measures only."""
    from workbook.campaign.history import local_date
    from workbook.report.trends import round_entry

    needed = [s.entity for s in schema.sheets if any(f.core for f in s.fields) or s.entity == "recommendation"]
    cache = dict(known)
    out = []
    for rnd in st.rounds():
        closed = rnd["state"] == "closed"
        rev = rnd["closed_rev"] if closed else current
        if rev not in cache:
            for old in [r for r in cache if r not in known]:  # one snapshot read at a time: memory stays flat
                del cache[old]
            if rev == current:
                cache[rev] = {e: st.records(e) for e in needed}
            else:
                cache[rev] = records_at(st, needed, rev, int(schema.version))
        rnd_, outcome = _outcomes(st, rnd, regions, today)
        attempts = [a for a in st.attempts(rnd["name"]) if regions is None or a["region"] in regions]
        as_of = local_date(rnd["closed_at"]) if closed and rnd.get("closed_at") else today
        out.append(round_entry(schema, rnd_, list(outcome), attempts, outcome, cache[rev], as_of))
    return {"rounds": out}


def _since_trends(schema, since: dict[str, dict[str, dict]], records: dict[str, dict[str, dict]],
                  regions: dict[str, dict], since_round: dict) -> dict:
    """Constraint severities and each region's core figures, between the snapshot of `since_round` and the
    report's; a region the round did not issue is named as absent from it, with no previous figures."""
    from workbook.report.trends import core_figures, region_changes, severity_changes

    changes, movers = severity_changes(schema, since, records, set(regions), since_round["name"])
    order = list(regions)
    absent = {r: since_round["name"] for r in order if r not in set(since_round["regions"] or [])}
    return {"severity_changes": changes, "severity_movers": movers,
            "region_changes": region_changes(core_figures(records, order), core_figures(since, order), regions,
                                             absent)}


def _closing(rnd: dict) -> tuple[int, int, int]:
    """Where a closed round's closing lies among all closings: its snapshot's revision, then the order the
    closings were made in (two rounds often close at one revision, nothing merged between)."""
    return rnd["closed_rev"], rnd.get("closed_seq") or 0, rnd["seq"]


def _closed_before(other: dict, rnd: dict | None) -> bool:
    """Whether a round closed before `rnd` did (before now, for no round or an open one)."""
    if other["state"] != "closed":
        return False
    if rnd is None or rnd["state"] != "closed":
        return True
    return _closing(other) < _closing(rnd)


def _rounds_apart(st: Store, rnd: dict | None, since_round: dict, since: dict[str, dict[str, dict]],
                  records: dict[str, dict[str, dict]], revision: int,
                  version: int) -> tuple[dict[str, dict[str, dict]], dict[str, dict[str, dict]]]:
    """The two record sets a change set compares when rounds overlap: a round's changes are what its returns
    did (a revision made by a round's workbook is that round's return), and they count where the round closed.

    Closings are ordered (`_closing`). The report of `rnd` since `since_round` covers the rounds whose closing
    comes after since_round's and no later than rnd's: `rnd` itself and the rounds closed between (an open
    `rnd`: itself and every round closed since; the store now: every round, open ones too). Its changes are
    those from `since` to `compared`, where
    - since: since_round's snapshot, with the returns of covered rounds taken back: merged before that snapshot
      while their round was open (whenever that round opened), they are theirs, not since_round's baseline;
    - compared: the report's snapshot, with the returns merged after since_round's snapshot by rounds not
      covered taken back: they count where those rounds close.
    Every other revision between the two snapshots (a plain workbook merged, a schema applied) counts as it
    happened, and returns of rounds closed before since_round are its baseline. A round reopened and closed
    again closes at its last closing. The figures stay those of the snapshot. Returns (since, compared)."""
    from workbook.report.figures import take_out

    made_by = st.round_revisions()
    if not made_by or (rnd is not None and since_round["name"] == rnd["name"]):  # compared with itself: no change
        return since, records
    rounds = {r["name"]: r for r in st.rounds()}
    start = since_round["closed_rev"]

    def covered(other: dict) -> bool:
        """Whether a round's closing lies in the span reported."""
        if other["name"] == since_round["name"] or _closed_before(other, since_round):
            return False
        return rnd is None or other["name"] == rnd["name"] or _closed_before(other, rnd)

    early = {r for r, name in made_by.items() if r <= start and covered(rounds[name])}
    later = {r for r, name in made_by.items() if start < r <= revision and not covered(rounds[name])}
    if not early and not later:
        return since, records
    touched = st.changed_at(early | later)
    for r in sorted(early | later, reverse=True):  # the latest first: each taken back from what followed
        before, after = (_as_records(st.versions_at(touched[r], at), st, at, version) for at in (r - 1, r))
        if r in early:
            since = take_out(since, before, after)
        else:
            records = take_out(records, before, after)
    return since, records


def _as_records(found: dict[tuple[str, str], dict | None], st: Store, rev: int,
                version: int) -> dict[str, dict[str, dict]]:
    """Records by (entity, id), as `versions_at` finds them at `rev`, by entity and id in the schema `version`."""
    out: dict[str, dict[str, dict]] = {}
    for (entity, rid), data in found.items():
        if data is not None:
            out.setdefault(entity, {})[rid] = data
    return _migrated(st, out, rev, version)


def write_report(st: Store, fig: dict, output: str | None, lang: str, pdf: bool) -> list[str]:
    """The report workbook (default output/report-<time>.xlsx), and its PDF beside it if asked."""
    from datetime import datetime

    from workbook.report.book import to_pdf
    from workbook.report.book import write_report as write_book

    path = Path(output) if output else Path("output") / f"report-{datetime.now():%Y%m%d-%H%M%S}.xlsx"
    if path.is_dir():
        raise UsageError("usage_is_folder", path=str(path), suffix=".xlsx", hint="")
    with st.reading():
        schema = schema_at(st, fig["schema_version"])
    written = [str(write_book(fig, schema, path, lang))]
    if pdf:
        written.append(str(to_pdf(path)))
    return written
