#!/usr/bin/env python3
"""Benchmark build, validate, merge, a round's folder of returns, status and report, on a synthetic dataset.

    python bench/bench.py --size S|M|L [--size ...] [--json PATH] [--store postgresql://...]

S = 30 regions × 100 clusters, M = 300 × 100, L = 300 × 1,000 (T = 3 × 10, a smoke test for CI).
Every step runs in a fresh process, timed around its work; peak RSS is the child's maximum resident size.
Steps run in rounds, each next to its baseline, and the fastest run of each is kept (pandas runs once).
Baselines on the same data: XlsxWriter writing the same cell values (constant_memory, no formatting),
python-calamine reading every cell of the built file, pandas.read_excel with its default engine.
The campaign scenario: a round issues one workbook per region; the same 1 % of edits as the one edited
workbook come back as one file per region, merged from a folder (against merging the one workbook);
status of that round after it (against that folder merge); report of the store (against build).
Data out for analysts: workbook.frames() of the store (against reading its records alone) and
export --format xlsx (against build).
Start-up: `--help` and `status` on the seed store in fresh processes, against importing click and
SQLAlchemy alone.
With --store postgresql://USER@HOST/DB (a role that may create databases: the steps make DB_store, DB_merge, ...
beside DB), the same steps run against PostgreSQL too, each next to its SQLite twin: validate, merge, and eight
regions' returns merged by eight processes one after another and then all at once, on both back ends.
With --portal, the portal instead (bench/portal.py): 20 offices' returns uploaded to `cluster-wb serve` one after
another and all at once, one against `validate` in a fresh process, the first answer and the server's memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbook.core.scope import Scope  # noqa: E402 - from this checkout (the line above)

BENCH = Scope.everything("bench")  # the bench acts as the command line does: every region

SIZES = {"T": (3, 10), "S": (30, 100), "M": (300, 100), "L": (300, 1000)}
STEPS = ["setup", "round_open", "build", "xlsxwriter", "edit", "calamine", "validate", "pandas", "validate_edited",
         "merge_dry_run", "merge", "merge_folder", "status", "report", "records", "frames", "export_xlsx",
         "trends_setup", "report_trends",
         "startup_imports", "startup_help", "startup_status"]
# preparation, and pandas' read (the slowest step, an order of magnitude behind validate, so one run tells
# enough), run in the first round only
ONCE = {"setup", "round_open", "edit", "pandas", "trends_setup"}
DEFAULT_ROUNDS = {"T": 3, "S": 3, "M": 3, "L": 1}
TARGETS = {"build_vs_xlsxwriter": 1.5, "validate_vs_calamine": 3.0, "merge_vs_validate": 1.5,
           "merge_folder_vs_merge": 1.3, "status_vs_merge_folder": 0.1, "report_vs_build": 0.5,
           "report_trends_vs_build": 0.6,
           "frames_vs_records": 2.0, "export_xlsx_vs_build": 1.5,
           "help_vs_imports": 1.5, "status_vs_imports": 1.5}
RSS_TARGET_MB = 300
PG_STEPS = ["pg_setup", "validate", "validate_pg", "merge", "merge_pg", "merge8_sqlite_seq", "merge8_sqlite_conc",
            "merge8_pg_seq", "merge8_pg_conc", "validate8_pg_seq", "validate8_pg_conc"]
PG_TARGETS = {"validate_pg_vs_sqlite": 1.2, "merge_pg_vs_sqlite": 1.5, "merge8_pg_concurrent_vs_sequential": 0.65}


def _pg(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _pg_fresh(url: str, name: str, template: str | None = None) -> str:
    """A new database `<DB>_<name>` beside the URL's (from a template database, if given); its URL."""
    import psycopg
    from sqlalchemy.engine import make_url
    base = make_url(url).database
    admin = make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{base}_{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{base}_{name}"' + (f' TEMPLATE "{base}_{template}"' if template else ""))
    return _pg(url, f"{base}_{name}")


def _merge8(store: str, work: Path, concurrent: bool, command: str = "merge") -> dict:
    """Eight regions' returns, each merged by its own `cluster-wb merge` process: one after another, or all
    started together. Timed from the first start to the last exit. (`validate`: the same processes without
    any write or lock, the control: what eight processes at once gain on this machine's cores.)"""
    files = sorted((work / "returns").iterdir())[:8]
    argv = [[sys.executable, "-m", "workbook.cli", "--store", store, command, str(f)] for f in files]
    started = time.perf_counter()
    if concurrent:
        procs = [subprocess.Popen(a, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for a in argv]
        codes = [p.wait() for p in procs]
    else:
        codes = [subprocess.run(a, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
                 for a in argv]
    seconds = time.perf_counter() - started
    if any(codes):
        raise SystemExit(f"a merge of the eight failed: exit codes {codes}")
    return {"seconds": seconds, "files": len(files)}
ROUND = "bench"  # the campaign scenario's round: one workbook per region, each returned with 1 % edited
STARTUP_RUNS = {"T": 1}  # a command's start-up: the fastest of this many fresh processes (7 but at T)


def _child(step: str, work: Path, size: str) -> dict:
    """Run one step in this process; return what was measured."""
    from workbook.services import round_trip, workbooks
    from workbook.store import open_store
    from workbook.template.schema import load_schema
    store = str(work / "store.sqlite")
    base, edited = work / "base.xlsx", work / "edited.xlsx"
    extra: dict = {}
    started = time.perf_counter()
    if step == "setup":
        from bench.synth import generate
        regions, per_region = SIZES[size]
        dataset = generate(load_schema(), regions, per_region)
        started = time.perf_counter()
        workbooks.init_with_dataset(store, dataset, source="synthetic", by="bench")
        seed = workbooks.init_store(str(work / "seed.sqlite"))  # the seed store, with a round, for start-up times
        from workbook.services import campaign
        campaign.open_round(seed, "seed", due="2026-04-30", period=None, region_ids=[],
                            output=str(work / "seed-round"), by="bench", lang="zh")
        started = started  # the seed store is preparation for another step, outside this one's time
    elif step == "round_open":  # the campaign's round, issued from the store as set up (timed for information)
        from workbook.services import campaign
        st = open_store(store)
        campaign.open_round(st, ROUND, due="2026-04-30", period=None, region_ids=[], output=str(work / "issued"),
                            by="bench", lang="zh")
    elif step == "build":
        st = open_store(store)
        workbooks.build(st, output=str(base), region_ids=[], split=False, by="bench", lang="zh")
    elif step == "edit":
        extra["cells_changed"] = _make_edited(store, base, edited)
    elif step == "xlsxwriter":
        import python_calamine
        import xlsxwriter
        book = python_calamine.CalamineWorkbook.from_path(str(base))
        sheets = [(name, book.get_sheet_by_name(name).to_python()) for name in book.sheet_names]
        started = time.perf_counter()
        wb = xlsxwriter.Workbook(str(work / "raw.xlsx"), {"constant_memory": True})
        for name, rows in sheets:
            ws = wb.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value != "":
                        ws.write(r, c, value)
        wb.close()
    elif step == "calamine":
        import python_calamine
        book = python_calamine.CalamineWorkbook.from_path(str(base))
        extra["cells"] = sum(len(r) for n in book.sheet_names for r in book.get_sheet_by_name(n).to_python())
    elif step == "pandas":
        import pandas as pd
        frames = pd.read_excel(base, sheet_name=None)
        extra["cells"] = sum(f.size for f in frames.values())
    elif step in ("validate", "validate_edited"):
        st = open_store(store)
        [result] = round_trip.validate_files(st, [str(base if step == "validate" else edited)], "zh", scope=BENCH)
        extra["errors"], extra["warnings"] = result.errors, result.checked.warnings
    elif step in ("merge_dry_run", "merge"):
        target = store
        if step == "merge":
            target = str(work / "merge.sqlite")
            shutil.copy(store, target)
            started = time.perf_counter()
        st = open_store(target)
        [result] = round_trip.merge_files(st, [str(edited)], dry_run=step == "merge_dry_run", scope=BENCH, lang="zh")
        extra["changes"] = len(result.plan.changes) if result.plan else 0
        extra["applied"] = result.applied
    elif step == "merge_folder":  # the same edits, returned as one file per region, merged from one folder
        target = str(work / "folder.sqlite")
        shutil.copy(store, target)
        started = time.perf_counter()
        st = open_store(target)
        results = round_trip.merge_files(st, [str(work / "returns")], dry_run=False, scope=BENCH, lang="zh")
        extra["files"] = len(results)
        extra["changes"] = sum(len(r.plan.changes) for r in results if r.plan)
        extra["applied"] = sum(1 for r in results if r.applied)
        extra["errors"] = sum(r.errors for r in results)
    elif step == "status":  # the tracker of the round after its folder of returns was merged
        from workbook.services import campaign
        tracker = campaign.round_status(open_store(str(work / "folder.sqlite")), ROUND, scope=BENCH)
        extra["merged"] = tracker["summary"]["merged"]
    elif step == "report":
        from workbook.services import campaign
        st = open_store(store)
        fig = campaign.report_figures(st, round_name=None, since_name=None, region_ids=[], scope=BENCH)
        campaign.write_report(st, fig, str(work / "report.xlsx"), "zh", pdf=False)
        extra["charts"] = _package_size(work / "report.xlsx")["charts"]
    elif step == "records":  # every entity's records read from the store: the baseline of `frames`
        from workbook.store.schema_versions import current_schema
        st = open_store(store)
        with st.reading():
            extra["records"] = sum(len(st.records(e)) for e in current_schema(st).entity_names)
    elif step == "frames":  # the same records as DataFrames (pandas imported before, as in an analyst's session)
        import pandas  # noqa: F401

        import workbook
        started = time.perf_counter()
        extra["rows"] = sum(len(df) for df in workbook.frames(store).values())
    elif step == "export_xlsx":  # the analysts' workbook of Excel tables, of the store `build` wrote from
        from workbook.services import frames
        frames.export_xlsx(open_store(store), work / "dataset.xlsx", "zh")
        extra.update(_package_size(work / "dataset.xlsx"))
    elif step == "trends_setup":  # three rounds closed: preparation, untimed
        extra["rounds"] = _three_rounds(work)
    elif step == "report_trends":  # the report of a store with three rounds closed: its trends sheet too
        from workbook.services import campaign
        st = open_store(str(work / "trends.sqlite"))
        fig = campaign.report_figures(st, round_name=None, since_name=None, region_ids=[], scope=BENCH)
        campaign.write_report(st, fig, str(work / "report-trends.xlsx"), "zh", pdf=False)
        extra["rounds"] = len(fig["rounds"])
        extra["merged_late"] = sum(r["merged_late"] for r in fig["rounds"])
    elif step == "pg_setup":  # the store as this round left it (its build registered), copied into PostgreSQL
        from workbook.store import copy_store
        copy_store(store, _pg_fresh(os.environ["CWB_BENCH_PG"], "store"))
    elif step == "validate_pg":
        from sqlalchemy.engine import make_url
        pg = os.environ["CWB_BENCH_PG"]
        st = open_store(_pg(pg, make_url(pg).database + "_store"))  # timed, as validate's open_store is
        [result] = round_trip.validate_files(st, [str(base)], "zh", scope=BENCH)
        extra["errors"], extra["warnings"] = result.errors, result.checked.warnings
    elif step == "merge_pg":
        target = _pg_fresh(os.environ["CWB_BENCH_PG"], "merge", template="store")
        started = time.perf_counter()
        st = open_store(target)
        [result] = round_trip.merge_files(st, [str(edited)], dry_run=False, scope=BENCH, lang="zh")
        extra["changes"] = len(result.plan.changes) if result.plan else 0
        extra["applied"] = result.applied
    elif step.startswith(("merge8_", "validate8_")):
        if "_pg_" in step:
            target = _pg_fresh(os.environ["CWB_BENCH_PG"], "merge8", template="store")
        else:
            target = str(work / "merge8.sqlite")
            shutil.copy(store, target)
        return {**_merge8(target, work, step.endswith("_conc"), step.split("8_")[0]), "peak_rss_mb": 0.0}
    elif step.startswith("startup_"):  # a fresh process, as a person runs the command: the fastest of a few
        argv = {"startup_imports": ["-c", "import click, sqlalchemy"],
                "startup_help": ["-c", "from workbook.cli import main; main()", "--help"],
                "startup_status": ["-c", "from workbook.cli import main; main()", "--store",
                                   str(work / "seed.sqlite"), "status"]}[step]
        times = []
        for _ in range(STARTUP_RUNS.get(size, 7)):
            begun = time.perf_counter()
            subprocess.run([sys.executable, *argv], check=True, capture_output=True, cwd=work)
            times.append(time.perf_counter() - begun)
        return {"seconds": min(times), "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if step in ("build", "xlsxwriter"):  # what was written, outside the timing: it explains the ratio
        extra.update(_package_size(base if step == "build" else work / "raw.xlsx"))
    return {"seconds": seconds, "peak_rss_mb": peak, **extra}


def _three_rounds(work: Path) -> int:
    """The store after the campaign's folder of returns, with three rounds closed at three points of its history:
    the campaign's round at the end, and two earlier rounds (every region issued, nine in ten merged; the first
    late, the second on time) closed at a third and at two thirds of the returns' revisions. Their workbooks are
    registered, not written: the report reads the store only."""
    import sqlite3

    from workbook.campaign.rounds import attempt_record
    from workbook.store import open_store
    target = work / "trends.sqlite"
    shutil.copy(work / "folder.sqlite", target)
    st = open_store(str(target))
    revisions = sorted(a["revision"] for a in st.attempts(ROUND) if a["revision"])
    regions = list(st.regions())
    rng = random.Random(11)
    closed_at = {}
    for n, due in ((1, "2026-04-30"), (2, "2099-12-31")):
        name = f"{ROUND}-{n}"
        with st.transaction():  # as `round open` does: one connection for all of it
            st.add_round(name, period=f"{2023 + n}年度", due=due, regions=regions, by="bench")
            for region in regions:
                wid = f"WB-{name}-{region}"
                st.register_workbook(wid, revisions[0] - 1, [region], by="bench", lang="zh", path="")
                st.add_round_workbook(name, wid, region)
                if rng.random() < 0.9:
                    st.record_attempt(attempt_record(name, region, wid, f"{wid}.xlsx", wid, by="bench",
                                                     action="merge", errors=0, warnings=0, conflicts=0, changes=0,
                                                     applied=False, revision=None))
            st.set_round_state(name, "closed")
        closed_at[name] = revisions[len(revisions) * n // 3]
    with st.transaction():
        st.set_round_state(ROUND, "closed")
    with sqlite3.connect(target) as c:  # the two earlier rounds' snapshots: back in the history
        for name, rev in closed_at.items():
            c.execute("UPDATE cwb_rounds SET closed_rev = ? WHERE name = ?", (rev, name))
    return len(st.rounds())


def _package_size(path: Path) -> dict:
    import zipfile
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        notes = sum(z.read(i).count(b"<comment ") for i in infos if i.filename.startswith("xl/comments"))
    return {"parts": len(infos), "xml_mb": round(sum(i.file_size for i in infos) / 1e6, 1), "notes": notes,
            "charts": sum(1 for i in infos if i.filename.startswith("xl/charts/chart"))}


def _make_edited(store: str, base: Path, edited: Path) -> int:
    """The returned workbook: the issued one with 1 % of its editable cells changed, as an official would."""
    from datetime import datetime

    from workbook.returns.validate import identity
    from workbook.services import workbooks
    from workbook.store import open_store
    from workbook.store.schema_versions import current_schema
    from workbook.xlsx.build import build_workbook
    from workbook.xlsx.read import read_workbook
    st = open_store(store)
    schema = current_schema(st)  # the store's template, whose version the returned workbook says
    ident = identity(read_workbook(base))
    data = workbooks.build_input(st, ident.regions, by="bench", now=datetime.now().astimezone())
    data.workbook_id = ident.workbook_id
    for region in data.regions:  # the edit step is not measured: hold every region
        region.records = data.records_of(region)
    rng = random.Random(7)
    inventory = {f.key: f for f in schema.sheet("inventory").editable_fields}
    # names are left alone: the matrix repeats them read-only, and a rebuilt matrix would show the new one
    editable = {"cluster": [k for k, f in inventory.items()
                            if f.type in ("integer", "number", "percent", "string", "text")
                            and k not in ("name_zh", "name_en")],
                "constraint": [f.id for f in schema.factors],
                "recommendation": ["owner", "progress_note", "detail"]}
    cells = sum(len(r.records.get(e, {})) * len(keys) for r in data.regions for e, keys in editable.items())
    changed = 0
    target = max(1, cells // 100)
    regions = data.regions
    while changed < target:
        region = rng.choice(regions)
        entity = rng.choice(list(editable))
        records = region.records.get(entity) or {}
        if not records:
            continue
        rid = rng.choice(list(records))
        key = rng.choice(editable[entity])
        rec = dict(records[rid])
        value = rec.get(key)
        f = inventory.get(key) if entity == "cluster" else None
        if entity == "constraint":
            rec[key] = ((value or 0) + 1) % 4
        elif f is not None and f.type == "percent":
            rec[key] = round(max(0.0, (value or 0) - 0.5), 2)
        elif f is not None and f.numeric:  # downwards where a rule caps the figure (not above the total)
            down = key in ("above_scale", "data_year") and value is not None and value - 1 >= (f.min or 0)
            rec[key] = value - 1 if down else (value or 0) + 1
        else:
            rec[key] = f"{value or ''}（已核）"
        records[rid] = rec
        changed += 1
    build_workbook(data, schema, edited, "zh")
    # the same edits returned as the round's files, one per region, each with its issued identity
    round_wbs = {w["region"]: w["workbook"] for w in st.round_workbooks(ROUND)}
    rnd = st.round(ROUND)
    returns = edited.parent / "returns"
    returns.mkdir(exist_ok=True)
    for region in data.regions:
        one = workbooks.build_input(st, [region.id], by="bench", now=datetime.now().astimezone(), rnd=rnd)
        one.workbook_id = round_wbs[region.id]
        one.revision = data.revision
        one.regions[0].records = region.records
        build_workbook(one, schema, returns / f"{ROUND}-{region.id}.xlsx", "zh")
    return changed


def run_size(size: str, keep: Path | None, repeat: int, pg: str | None = None) -> dict:
    regions, per_region = SIZES[size]
    work = keep / size if keep else Path(tempfile.mkdtemp(prefix=f"cwb-bench-{size}-"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    results: dict[str, dict] = {}
    # rounds of every step, each timed step next to its baseline, so that a slow spell of a shared
    # machine weighs on both sides of a ratio; the fastest run of each step is kept (noise only adds)
    for n in range(repeat):
        for step in STEPS + (PG_STEPS if pg else []):
            if step in ONCE and n:
                continue
            print(f"[{size}] round {n + 1}/{repeat}: {step} …", file=sys.stderr, flush=True)
            os.sync()  # the last step's files reach the disk now, not during this step's timing
            proc = subprocess.run([sys.executable, __file__, "--child", step, "--work", str(work), "--size", size],
                                  capture_output=True, text=True, cwd=ROOT,
                                  env={**os.environ, "CWB_BENCH_PG": pg} if pg else None)
            if proc.returncode != 0:
                raise SystemExit(f"step {step} failed:\n{proc.stderr[-3000:]}")
            got = json.loads(proc.stdout.strip().splitlines()[-1])
            best = results.get(step)
            peak = max(got["peak_rss_mb"], best["peak_rss_mb"] if best else 0)  # the largest of all runs
            if best is None or got["seconds"] < best["seconds"]:
                results[step] = got
            results[step]["peak_rss_mb"] = peak
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    if results["validate_edited"]["errors"] or not results["merge"]["applied"]:
        raise SystemExit(f"[{size}] the edited workbook has {results['validate_edited']['errors']} errors, so the "
                         "merge timed nothing: the edit step must make only valid edits")
    if results["merge_folder"]["errors"] or results["merge_folder"]["changes"] != results["merge"]["changes"]:
        raise SystemExit(f"[{size}] the folder of returns merged {results['merge_folder']['changes']} changes with "
                         f"{results['merge_folder']['errors']} errors, the one workbook "
                         f"{results['merge']['changes']}: the two must carry the same edits")
    sec = {k: v["seconds"] for k, v in results.items()}
    clusters = regions * per_region
    report = {
        "size": size,
        "regions": regions,
        "clusters": clusters,
        "seconds": {k: round(v, 3) for k, v in sec.items()},
        "peak_rss_mb": {k: round(v["peak_rss_mb"], 1) for k, v in results.items()},
        "ratios": {
            "build_vs_xlsxwriter": round(sec["build"] / sec["xlsxwriter"], 2),
            "validate_vs_calamine": round(sec["validate"] / sec["calamine"], 2),
            "validate_vs_pandas": round(sec["validate"] / sec["pandas"], 2),
            "merge_vs_validate": round(sec["merge"] / sec["validate_edited"], 2),
            "merge_folder_vs_merge": round(sec["merge_folder"] / sec["merge"], 2),
            "status_vs_merge_folder": round(sec["status"] / sec["merge_folder"], 3),
            "report_vs_build": round(sec["report"] / sec["build"], 2),
            "report_trends_vs_build": round(sec["report_trends"] / sec["build"], 2),
            "frames_vs_records": round(sec["frames"] / sec["records"], 2),
            "export_xlsx_vs_build": round(sec["export_xlsx"] / sec["build"], 2),
            "help_vs_imports": round(sec["startup_help"] / sec["startup_imports"], 2),
            "status_vs_imports": round(sec["startup_status"] / sec["startup_imports"], 2),
        },
        "per_cluster_ms": {k: round(sec[k] / clusters * 1000, 4) for k in ("build", "validate", "merge")},
        "postgresql": {
            "validate_pg_vs_sqlite": round(sec["validate_pg"] / sec["validate"], 2),
            "merge_pg_vs_sqlite": round(sec["merge_pg"] / sec["merge"], 2),
            "merge8_pg_concurrent_vs_sequential": round(sec["merge8_pg_conc"] / sec["merge8_pg_seq"], 2),
            "merge8_sqlite_concurrent_vs_sequential": round(sec["merge8_sqlite_conc"] / sec["merge8_sqlite_seq"], 2),
            "validate8_pg_concurrent_vs_sequential": round(sec["validate8_pg_conc"] / sec["validate8_pg_seq"], 2),
        } if pg else None,
        "details": {k: {kk: vv for kk, vv in v.items() if kk not in ("seconds", "peak_rss_mb")}
                    for k, v in results.items()},
    }
    return report


def print_table(reports: list[dict]) -> None:
    for rep in reports:
        print(f"\nsize {rep['size']}: {rep['regions']} regions × {rep['clusters'] // rep['regions']} clusters "
              f"= {rep['clusters']:,} clusters")
        print(f"{'step':<17}{'seconds':>10}{'peak RSS MB':>13}{'ms/cluster':>12}")
        for step, s in rep["seconds"].items():
            per = s / rep["clusters"] * 1000
            print(f"{step:<17}{s:>10.2f}{rep['peak_rss_mb'][step]:>13.0f}{per:>12.3f}")
        built, raw = rep["details"]["build"], rep["details"]["xlsxwriter"]
        print(f"written: {built['parts']:,} parts, {built['xml_mb']} MB of XML, {built['notes']:,} cell notes "
              f"(the raw baseline: {raw['parts']:,} parts, {raw['xml_mb']} MB)")
        print("ratios:")
        for name, value in rep["ratios"].items():
            target = TARGETS.get(name)
            verdict = "" if target is None else ("  ok" if value <= target else f"  MISSED (target ≤ {target})")
            print(f"  {name:<24}{value:>7.2f}{verdict}")
        over = [k for k, v in rep["peak_rss_mb"].items() if v > RSS_TARGET_MB and not k.startswith("startup_")
                and k not in ("xlsxwriter", "pandas", "calamine", "setup", "edit")]
        print(f"peak RSS ≤ {RSS_TARGET_MB} MB: " + ("ok" if not over else "MISSED by " + ", ".join(over)))
        if rep.get("postgresql"):
            print("PostgreSQL, against SQLite in the same run:")
            for name, value in rep["postgresql"].items():
                target = PG_TARGETS.get(name)
                verdict = "" if target is None else ("  ok" if value <= target else f"  MISSED (target ≤ {target})")
                print(f"  {name:<40}{value:>7.2f}{verdict}")
    if len(reports) > 1:
        first, last = reports[0], reports[-1]
        print("\nper-cluster time, largest size against smallest (target ≤ 1.3):")
        for step in ("build", "validate", "merge"):
            ratio = last["per_cluster_ms"][step] / first["per_cluster_ms"][step]
            print(f"  {step:<10}{ratio:>7.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", action="append", choices=list(SIZES), help="S, M or L (repeatable); T for CI")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument("--keep", type=Path, help="keep the work files under this folder")
    parser.add_argument("--repeat", type=int,
                        help="rounds of every step, fastest kept (default 3 for T, S and M, 1 for L)")
    parser.add_argument("--store", help="also run the store steps on this postgresql:// database's server")
    parser.add_argument("--portal", action="store_true",
                        help="measure the portal instead (bench/portal.py: 20 offices' returns against `serve`)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.portal:
        from bench import portal
        figures = portal.run(keep=args.keep)
        portal.print_figures(figures)
        if args.json:
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
        return 0
    if args.child:
        print(json.dumps(_child(args.child, args.work, args.size[0])))
        return 0
    sizes = args.size or ["S"]
    pg = None
    if args.store:
        from workbook.store.connection import resolve_url
        pg = resolve_url(args.store)[0]
        if not pg.startswith("postgresql"):
            raise SystemExit("--store takes a postgresql:// URL (the SQLite steps always run)")
    reports = [run_size(s, args.keep, args.repeat or DEFAULT_ROUNDS[s], pg) for s in sizes]
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
               "system": platform.platform()}
    print_table(reports)
    if args.json:
        doc = reports[0] if len(reports) == 1 else {"runs": reports}
        if len(reports) == 1:
            doc = {**doc, "machine": machine}
        else:
            doc["machine"] = machine
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
