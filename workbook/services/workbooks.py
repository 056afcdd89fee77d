"""Creating the store, building and registering workbooks, exporting the dataset, the audit trail."""

from __future__ import annotations

import csv
import gc
import getpass
import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path

from workbook.core.errors import UsageError
from workbook.core.messages import Both, both
from workbook.core.resources import seed_dir
from workbook.store import Store, create_store, open_store, store_exists
from workbook.store.schema_versions import current_schema
from workbook.store.seed import load_dataset, seed_changes
from workbook.template.model import Schema
from workbook.template.schema import load_schema
from workbook.xlsx.build import BuildInput, RegionData, build_workbook

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")


@contextmanager
def bulk_work() -> Iterator[None]:
    """Millions of short-lived cells and records, and no reference cycles among them: the cyclic garbage
    collector would only rescan them again and again (time that grows faster than the workbook)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def init_store(store: str, *, empty: bool = False, from_dir: Path | None = None, by: str | None = None) -> Store:
    """Create the store and seed it (bundled dataset, nothing, or DIR). Refuses an existing store."""
    if store_exists(store):
        raise UsageError("store_exists", store=store)
    dataset = None if empty else load_dataset(from_dir or seed_dir(), load_schema())
    source = f"seed:{from_dir.name}" if from_dir else "seed:bundled"
    return init_with_dataset(store, dataset, source=source, by=by or default_user())


def init_with_dataset(store: str, dataset: dict | None, *, source: str, by: str) -> Store:
    """Create the store and, unless `dataset` is None, commit it as the first revision."""
    st = create_store(store)
    if dataset is not None:
        st.commit(seed_changes(dataset), by=by, source=source, summary="seed dataset")
    return st


def open_or_create(store: str) -> Store:
    """Open the store; a missing SQLite store is created and seeded with the bundled dataset."""
    if not store_exists(store):
        return init_store(store)
    return open_store(store)


FILE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".json", ".csv", ".pdf", ".yaml", ".yml")  # what names a file, not a folder


def _renamed(path: str, suffix: str) -> str:
    """`path` with its extension replaced by `suffix` (or added: a name without one)."""
    p = Path(path)
    return str(p.with_suffix(suffix)) if p.name and p.suffix.lower() in FILE_SUFFIXES else path + suffix


def expect_file(path: str, suffix: str, option: str, hint: str | Both = "") -> None:
    """Refuse, before any work, an output file that is a folder (`hint`: how else to write into it), or whose
    name says another kind of file than the one written (a workbook named .pdf): compared case-insensitively."""
    if Path(path).is_dir():
        raise UsageError("usage_is_folder", path=path, suffix=suffix, hint=hint)
    if Path(path).suffix.lower() != suffix:
        raise UsageError("usage_output_suffix", path=path, option=option, suffix=suffix, right=_renamed(path, suffix))


def expect_folder(path: str, mode: str) -> None:
    """Refuse, before any work, a folder to write into whose name says it is a file (`--split -o out.xlsx`)."""
    suffix = Path(path).suffix
    if suffix.lower() in FILE_SUFFIXES:
        raise UsageError("usage_folder_suffix", path=path, mode=mode, suffix=suffix,
                         right=str(Path(path).with_suffix("")))


Stage = Callable[[Path], Path]  # the temporary name beside a file to be written, put in place by `staged_files`


@contextmanager
def staged_files() -> Iterator[Stage]:
    """Files written under temporary names beside their own, put in place (os.replace) only when the block ends
    well: enter it before the transaction that registers them, so that a failure anywhere, the commit's
    included, leaves neither a file the store does not know nor a half-written one, and a file that was at one
    of the names stays as it was."""
    moves: list[tuple[Path, Path]] = []

    def stage(final: Path) -> Path:
        temporary = final.with_name(f".{final.stem}-{secrets.token_hex(4)}.part{final.suffix}")
        moves.append((temporary, final))
        return temporary

    try:
        yield stage
    except BaseException:
        for temporary, _final in moves:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, final in moves:
        os.replace(temporary, final)


def new_workbook_id(now: datetime) -> str:
    return f"WB-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def build_input(st: Store, region_ids: list[str], *, by: str, now: datetime, rnd: dict | None = None,
                schema: Schema | None = None) -> BuildInput:
    """What to build; each region's records are read from the store when the builder reaches it."""
    regions = st.regions()
    entities = list((schema or current_schema(st)).entity_names)

    def load(region: str) -> dict[str, dict[str, dict]]:
        return st.records_in({region}, entities)  # the region's own record included

    return BuildInput(workbook_id=new_workbook_id(now), revision=st.revision(), built_at=now, by=by,
                      regions=[RegionData(rid, regions[rid]) for rid in region_ids], load=load, round=rnd)


def build(st: Store, *, output: str | None, region_ids: list[str], split: bool, by: str, lang: str,
          progress: Callable[[str], None] | None = None, rnd: dict | None = None,
          file_name: Callable[[str, dict], str] | None = None, stage: Stage | None = None) -> list[dict]:
    """Write the workbook(s) and register each as issued. Returns [{path, id, regions, revision}].
    `rnd`: the round they are issued in; `file_name`: the name of a region's file with --split; `stage`: the
    caller's `staged_files`, when its own transaction registers more (a round), else the build's own."""
    # PostgreSQL: every region as of the one revision registered
    with (nullcontext(stage) if stage else staged_files()) as put, st.transaction(snapshot=True):
        st.check_writable()  # a read-only store: refused before any file is written
        schema = current_schema(st)
        known = st.regions()
        unknown = [r for r in region_ids if r not in known]
        if unknown:
            raise UsageError("usage_unknown_region", unknown=", ".join(unknown), known=", ".join(known))
        chosen = list(dict.fromkeys(region_ids)) or sorted(known, key=lambda r: (known[r].get("order", 0), r))
        if not chosen:
            raise UsageError("usage_no_regions")
        now = datetime.now().astimezone()
        stamp = f"{now:%Y%m%d-%H%M%S}"
        if split:
            folder = Path(output) if output else Path("output") / f"cluster-wb-{stamp}"
            if folder.exists() and not folder.is_dir():
                raise UsageError("usage_split_file", path=str(folder))
            jobs = [([rid], folder / (file_name(rid, known[rid]) if file_name else f"cluster-wb-{rid}-{stamp}.xlsx"))
                    for rid in chosen]
        else:
            jobs = [(chosen, Path(output) if output else _unused(Path("output") / f"cluster-wb-{stamp}.xlsx"))]
        for _regions, path in jobs:  # each put in place by a rename, which a folder there would refuse
            if path.is_dir():
                raise UsageError("usage_is_folder", path=str(path), suffix=".xlsx",
                                 hint="" if split else both("usage_hint_split"))
        written = []
        for regions, path in jobs:
            if progress:
                progress(str(path))
            data = build_input(st, regions, by=by, now=now, rnd=rnd, schema=schema)
            with bulk_work():
                plans = build_workbook(data, schema, put(path), lang)
            # registered where it lies wherever the command ran: the portal hands it out again from its own folder
            st.register_workbook(data.workbook_id, data.revision, regions, by=by, lang=lang, path=str(path.absolute()),
                                 digests={(p.kind, p.region): p.digests for p in plans},
                                 schema_version=int(schema.version))
            written.append({"path": str(path), "id": data.workbook_id, "regions": regions,
                            "revision": data.revision})
    return written


def _unused(path: Path) -> Path:
    """The default name, or the same with -2, -3 … when a build in the same second took it already."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def _csv_safe(value: object) -> object:
    """OWASP CSV injection: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def export_rows(st: Store, schema: Schema) -> dict[str, list[dict]]:
    """The whole dataset as plain rows per table; constraints in long form (cluster, factor, severity)."""
    tables: dict[str, list[dict]] = {}
    for entity in schema.entity_names:
        records = st.records(entity)
        rows = []
        if entity == "constraint":
            for cid, rec in records.items():
                for f in schema.factors:
                    if rec.get(f.id) is None:
                        continue
                    ev = (rec.get("evidence") or {}).get(f.id, {})
                    rows.append({"cluster": cid, "region": rec.get("region"), "factor": f.id,
                                 "severity": rec[f.id], "quote": ev.get("quote"), "source": ev.get("source")})
        else:
            for rid, rec in records.items():
                rows.append({"id": rid, **rec})
        tables[schema.entities[entity].export_table] = rows
    return tables


def export(st: Store, output: str, fmt: str) -> list[str]:
    with st.transaction():
        schema = current_schema(st)
        revision = st.revision()
        tables = export_rows(st, schema)
    out = Path(output)
    if fmt == "json":
        out.parent.mkdir(parents=True, exist_ok=True)
        doc = {"revision": revision, "schema_version": schema.version,
               "constraint_factors": [{"id": f.id, "title_zh": f.title_zh, "title_en": f.title_en,
                                       "group": f.group} for f in schema.factors], **tables}
        out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        return [str(out)]
    if out.exists() and not out.is_dir():
        raise UsageError("usage_csv_file", path=str(out))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in tables.items():
        columns: list[str] = []
        for r in rows:
            columns += [k for k in r if k not in columns]
        path = out / f"{name}.csv"
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns or ["id"])
            writer.writeheader()
            for r in rows:
                writer.writerow({k: _csv_safe(json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict))
                                              else v) for k, v in r.items()})
        written.append(str(path))
    return written


def log_entries(st: Store, limit: int | None) -> list[dict]:
    return [{k: e[k] for k in ("revision", "at", "by", "source", "sha256", "entity", "record", "field", "op",
                               "old", "new", "sheet", "cell")}
            for e in ({**r, "revision": r["rev"]} for r in st.log(limit))]
