"""Returned workbooks validated and merged against the store: each file checked (by the guard, with a reader
working ahead on a folder), planned and committed all or nothing, each a return attempt of its round."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path

from workbook.campaign.rounds import attempt_record
from workbook.core.errors import UsageError
from workbook.core.messages import MESSAGES, t
from workbook.core.scope import Scope
from workbook.returns.forward import forward
from workbook.returns.merge import Plan, plan_merge
from workbook.returns.validate import Checked, Issue, Reference, identity, validate
from workbook.services.workbooks import bulk_work, expect_file, staged_files
from workbook.store import Store
from workbook.store.schema_versions import current_schema, current_version, schema_at, schema_steps, workbook_version
from workbook.template.model import Schema
from workbook.template.schema_change import migrate_records
from workbook.xlsx.guard import goes_aside, start_check
from workbook.xlsx.layout import DOCUMENT_PROPERTY
from workbook.xlsx.read import RawWorkbook, ReadAhead, ReadError, read_workbook


class FileRejected(Exception):
    """A file that cannot be validated at all (exit code 2, HTTP 400): unreadable, not ours, not issued here.
    `code`: the catalogue's code of the reason (what the portal answers as its `error`)."""

    def __init__(self, path: str, message: str, code: str = "not_ours"):
        super().__init__(message)
        self.path, self.code = path, code


@dataclass
class FileResult:
    path: str  # the file read
    checked: Checked | None = None
    rejected: str | None = None
    rejected_code: str | None = None
    plan: Plan | None = None
    applied: bool = False
    revision: int | None = None
    already: int | None = None  # revision this very file was merged as before
    raw: RawWorkbook | None = None
    base: dict[str, dict[str, dict]] | None = None  # the records it was cut from
    ours: dict[str, dict[str, dict]] | None = None  # the records now (of the workbook's regions, at least)
    whole: dict[str, dict[str, dict]] | None = None  # every record now, when they were read
    whole_read: bool = False  # checked against every record of the store (not only its regions')
    round: str | None = None  # the reporting round its workbook was issued in
    schema: Schema | None = None  # the schema its workbook was built with (the one its columns are read with)
    name: str | None = None  # the name it is shown and recorded by, if not its path (an upload's own file name)
    issued_in: tuple[dict, str] | None = None  # the round its workbook was issued in, and its region

    @property
    def shown(self) -> str:
        return self.name or self.path

    @property
    def issues(self) -> list[Issue]:
        return self.checked.issues if self.checked else []

    @property
    def errors(self) -> int:
        return self.checked.errors if self.checked else (1 if self.rejected else 0)

    @property
    def ok(self) -> bool:
        return self.rejected is None and self.errors == 0 and not (self.plan and self.plan.conflicts)

    def field_titles(self, lang: str) -> dict[tuple[str, str], str]:
        """(sheet title, field key) -> the title of the field's column in `lang`: how an issue names its field
        to a person (an old workbook's issues name fields by their keys now, its columns by the old ones)."""
        checked, schema = self.checked, self.schema
        if checked is None or schema is None:
            return {}
        titles = {(title, f.key): f.title(lang)
                  for title, kind, _region in checked.sheets for f in schema.sheet(kind).fields}
        for title, origin in checked.origins.items():
            titles.update({(title, new): titles.get((title, old), new) for new, old in origin.items()})
        return titles

    def book_titles(self, lang: str) -> dict[tuple[str, str], str]:
        """`field_titles` in the workbook's own language (else `lang`): the headers an official sees in the file,
        which is how the annotated copy and the portal name an issue's column."""
        book = self.checked.identity.lang if self.checked is not None else None
        return self.field_titles(book if book in ("zh", "en") else lang)

    def validate_json(self) -> dict:
        issues = [i.to_json() for i in self.issues]
        if self.rejected:
            issues.append(Issue.of("file", "en", value=self.shown, message=self.rejected).to_json())
        return {"path": self.shown, "ok": self.ok, "errors": self.errors,
                "warnings": self.checked.warnings if self.checked else 0, "issues": issues}

    def merge_json(self, lang: str = "zh") -> dict:
        doc = self.validate_json()
        return {"path": self.shown, "ok": self.ok, "applied": self.applied, "revision": self.revision,
                "changes": [c.to_json() for c in self.plan.changes] if self.plan else [],
                "conflicts": [c.to_json(lang) for c in self.plan.conflicts] if self.plan else [],
                "counts": self.plan.counts() if self.plan else None,
                "already_merged_as": self.already, "issues": doc["issues"]}


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given; a folder stands for the .xlsx files in it (a folder of returns)."""
    return folder_contents(paths)[0]


@dataclass
class NotRead:
    """What a folder of returns held that was not read: subfolders, and files not saved as .xlsx."""

    subfolders: list[str]
    files: list[str]


def folder_contents(paths: list[str]) -> tuple[list[str], dict[str, NotRead]]:
    """The files the arguments stand for: a file as given, a folder its own .xlsx files (not those of its
    subfolders: old versions often sit in one, such as 旧/); and, by folder, what was not read: its subfolders
    and its other files (a return saved as .xls or .xlsm, typically), but no hidden file and no Office lock
    file (~$…), which are nobody's return."""
    out: list[str] = []
    skipped: dict[str, NotRead] = {}
    for p in paths:
        path = Path(p)
        if not path.is_dir():
            out.append(p)
            continue
        entries = [f for f in sorted(path.iterdir()) if not f.name.startswith((".", "~$"))]
        out += [str(f) for f in entries if f.suffix.lower() == ".xlsx" and f.is_file()]
        not_read = NotRead([f.name for f in entries if f.is_dir()],
                           [f.name for f in entries if f.is_file() and f.suffix.lower() != ".xlsx"])
        if not_read.subfolders or not_read.files:
            skipped[p] = not_read
    return out, skipped


def _comparable(records: dict[str, dict[str, dict]]) -> dict[str, dict[str, dict]]:
    """Records as validation and merging compare them: evidence quotes are not compared."""
    for rec in records["constraint"].values():
        rec.pop("evidence", None)
    return records


def _all_records(st: Store) -> dict[str, dict[str, dict]]:
    return _comparable({e: st.records(e) for e in current_schema(st).entity_names})


def check_file(st: Store, path: str, lang: str, ours: dict[str, dict[str, dict]] | None = None,
               reading: Callable[[], RawWorkbook] | None = None, schema: Schema | None = None, *, scope: Scope,
               name: str | None = None) -> FileResult:
    """Read and validate one file against the store (inside the caller's transaction, if any); `ours`: every
    record of the store, if the caller has them already; `reading`: the file being read by a worker (see
    `files_ahead`). A large file (a national workbook) is checked by the guard in a child process while the
    whole store is read; for a small one (a region's return) only the regions it was issued for are read, once
    its identity is known. `schema`: the store's now, if the caller has it. A workbook issued for a region outside
    `scope` is refused (`Forbidden`) as soon as its identity is read, before anything of it is checked or read
    from the store. `name`: what messages and the attempt call the file, if not its path (an upload's name)."""
    schema = schema or current_schema(st)
    if reading is not None:
        if ours is None and goes_aside(path):
            ours = _all_records(st)
        try:
            raw = reading()
        except ReadError as exc:
            raise _rejected(exc, path, name, lang) from None
        return _check_read(st, path, raw, lang, ours, schema, scope, name)
    checking = start_check(path) if Path(path).is_file() else None
    try:
        if ours is None and goes_aside(path):
            ours = _all_records(st)  # while the guard looks at the file
    except BaseException:
        if checking is not None:
            with suppress(Exception):
                checking()  # let the guard's process end before the error goes up
        raise
    try:
        raw = read_workbook(path, checking)
    except ReadError as exc:
        raise _rejected(exc, path, name, lang) from None
    return _check_read(st, path, raw, lang, ours, schema, scope, name)


def _rejected(exc: ReadError, path: str, name: str | None, lang: str) -> FileRejected:
    """A file the reader or the guard refused, its message naming the file as the person knows it."""
    params = {**exc.params, "path": name} if name and "path" in exc.params else exc.params
    return FileRejected(path, t(exc.code, lang, **params), exc.code)


def _check_read(st: Store, path: str, raw: RawWorkbook, lang: str, ours: dict[str, dict[str, dict]] | None,
                schema: Schema, scope: Scope, name: str | None = None) -> FileResult:
    shown = name or path
    try:
        document = raw.props.get(DOCUMENT_PROPERTY)
        if document:  # a report or a tracker cluster-wb wrote: a read-only summary, not a workbook to return
            raise FileRejected(path, t("not_a_return", lang, path=shown, kind=t(f"document_{document}", lang)
                                       if f"document_{document}" in MESSAGES else document), "not_a_return")
        ident = identity(raw)
        if ident is None:
            raise FileRejected(path, t("not_ours", lang, path=shown), "not_ours")
        issued = st.workbook(ident.workbook_id)
        if issued is None:
            raise FileRejected(path, t("not_issued", lang, path=shown, id=ident.workbook_id), "not_issued")
        # access by region: before the store's records are read, anything checked, merged or recorded
        scope.ensure(issued["regions"], "forbidden_workbook", path=shown)
        ref = reference(st, ident.workbook_id, ours, schema)
        if ref is None:
            raise FileRejected(path, t("not_issued", lang, path=shown, id=ident.workbook_id), "not_issued")
        built_with = workbook_version(ref.issued)
        read_with = schema
        if built_with == int(schema.version):
            checked = validate(raw, schema, ref, lang)
        else:  # built under an older template: read with its columns, then brought to the version now
            steps = schema_steps(st, built_with, int(schema.version))
            old = read_with = schema_at(st, built_with)
            checked = validate(raw, old, ref, lang)
            base_new = migrate_records(ref.base, steps)
            forward(checked, steps, old, schema, ref.base, base_new, lang)
            ref.base = base_new
    except ReadError as exc:  # a sheet read on demand turned out unreadable
        raise _rejected(exc, path, name, lang) from None
    finally:
        raw.close()
    return FileResult(path, checked, raw=raw, base=ref.base, ours=ref.ours, whole=ours, schema=read_with, name=name)


def reference(st: Store, workbook_id: str, ours: dict[str, dict[str, dict]] | None = None,
              schema: Schema | None = None) -> Reference | None:
    """What a returned workbook is checked against: its registry entry, the records it was cut from (base),
    the records now (ours, if not read already) and the fingerprints of the rows it was written with. None if
    never issued. Without `ours`, only the workbook's regions are read (a round's file is one region)."""
    issued = st.workbook(workbook_id)
    if issued is None:
        return None
    regions = set(issued["regions"])
    entities = list((schema or current_schema(st)).entity_names)
    ours = _comparable(st.records_in(regions, entities)) if ours is None else ours
    return Reference(issued, base_of(st, issued["rev"], ours, regions), ours, st.issued_rows(workbook_id))


def base_of(st: Store, rev: int, ours: dict[str, dict[str, dict]], regions: set[str]) -> dict[str, dict[str, dict]]:
    """The records as they were at revision `rev`: the records now, with those changed since put back as
    they were. Costs what changed since, not the size of the regions (a round's returns are each cut from
    the revision the round opened at, and merged one after another)."""
    changed = st.changed_since(rev, None if len(ours.get("region", {})) > len(regions) else regions, tuple(ours))
    if not changed:  # nothing merged since the workbook was cut (in its regions): its base is the store now
        return ours
    base = {e: dict(records) for e, records in ours.items()}
    for (entity, rid), data in st.versions_at(changed, rev).items():
        if entity not in base:
            continue
        if data is None:
            base[entity].pop(rid, None)  # inserted since, or deleted at the time
            continue
        region = rid if entity == "region" else data.get("region")
        if region in regions or rid in ours.get(entity, {}):
            if entity == "constraint":
                data.pop("evidence", None)
            base[entity][rid] = data
    return base


def _round_of(st: Store, result: FileResult, lang: str, severity: str) -> tuple[dict, str] | None:
    """The round the file's workbook was issued in, and its region; a closed round is noted on the file (an
    error for a merge, which then applies nothing; a warning for a validation)."""
    assert result.checked is not None
    found = st.round_of_workbook(result.checked.identity.workbook_id)
    if found and found[0]["state"] == "closed":
        rnd = found[0]
        result.checked.issues.append(Issue.of("round_closed" if severity == "error" else "round_is_closed", lang,
                                              value=rnd["name"], round=rnd["name"],
                                              date=(rnd["closed_at"] or "")[:10]))
    return found


def _record_attempt(st: Store, result: FileResult, found: tuple[dict, str] | None, *, action: str, by: str) -> None:
    """A validate or merge of a round's workbook is a return attempt of its region (see `rounds`), while the
    round is open."""
    if found is None or result.checked is None or result.raw is None:
        return
    rnd, region = found
    result.round = rnd["name"]
    if rnd["state"] == "closed":  # a closed round's tracker stands as it was at closing
        return
    plan = result.plan
    st.record_attempt(attempt_record(
        rnd["name"], region, result.checked.identity.workbook_id, Path(result.shown).name, result.raw.sha256,
        by=by, action=action, errors=result.errors, warnings=result.checked.warnings,
        conflicts=len(plan.conflicts) if plan else 0, changes=len(plan.changes) if plan else 0,
        applied=result.applied, revision=result.revision))


@contextmanager
def reading_ahead(paths: list[str]) -> Iterator[ReadAhead | None]:
    """For a folder, a worker process that reads the next files (guard and calamine) while the caller
    validates and merges one; None for one file, or where no child process may start (a daemon process).
    Enter it before opening the store's connection: the worker is forked when it starts."""
    import multiprocessing

    ahead = ReadAhead(paths) if len(paths) > 1 and not multiprocessing.current_process().daemon else None
    try:
        yield ahead
    except BaseException:
        if ahead is not None:
            ahead.close(abandon=True)  # interrupted (Ctrl-C) or failed: the files it reads ahead are not wanted
        raise
    if ahead is not None:
        ahead.close()


def validate_files(st: Store, paths: list[str], lang: str, progress: Callable[[str], None] | None = None, *,
                   scope: Scope, names: dict[str, str] | None = None, record: bool = True) -> list[FileResult]:
    """Check each file; each of a round is a return attempt, recorded under `scope.actor`. A workbook of a region
    outside `scope` is refused (`Forbidden`) before it is checked or recorded. `names`: the name a file is shown and
    recorded by, where not its path (an upload's own name, by the path it was saved to). `record` False: the
    caller records the attempts (`record_attempt`), in a transaction of its own that writes more."""
    names = names or {}
    results = []
    attempts = []  # written together at the end: one commit for a folder, not one per file
    ours = None  # the store does not change while files are validated: read its records once
    paths = expand_paths(paths)
    # PostgreSQL: every file checked against one snapshot, as merges commit meanwhile (on SQLite a long read
    # transaction would hold up their commits)
    snapshot = st.reading() if st.concurrent else nullcontext()
    try:
        with reading_ahead(paths) as ahead, snapshot:
            for i, path in enumerate(paths):
                if progress:
                    progress(path)
                try:
                    with bulk_work():
                        result = check_file(st, path, lang, ours, ahead.reading(i) if ahead else None, scope=scope,
                                            name=names.get(path))
                    result.issued_in = _round_of(st, result, lang, "warning")
                    attempts.append((result, result.issued_in))
                except FileRejected as exc:
                    result = FileResult(path, rejected=str(exc), rejected_code=exc.code, name=names.get(path))
                ours = result.whole if result.whole is not None else ours
                result.base = result.ours = result.whole = None  # a folder of returns must not hold a store per file
                results.append(result)
    finally:
        if record:
            _record_attempts(st, attempts, scope.actor, lang, action="validate")
    return results


def record_attempt(st: Store, result: FileResult, *, by: str) -> None:
    """Record a validated file's return attempt, inside the caller's transaction (see `validate_files`)."""
    _record_attempt(st, result, result.issued_in, action="validate", by=by)


def _record_attempts(st: Store, attempts: list[tuple[FileResult, tuple[dict, str] | None]], by: str,
                     lang: str, *, action: str) -> None:
    """The attempts of a validation or a dry run (which write nothing else), in one transaction. A store that
    cannot take them now (read-only, or busy past the timeout) costs the tracker its entries, not the checks:
    each file says so."""
    from sqlalchemy.exc import SQLAlchemyError

    if not any(found for _result, found in attempts):
        return
    try:
        with st.transaction():
            for result, found in attempts:
                _record_attempt(st, result, found, action=action, by=by)
    except SQLAlchemyError as exc:
        from workbook.store.connection import read_only, shown

        refused = read_only(exc)
        for result, found in attempts:
            if found and result.checked is not None:
                result.checked.issues.append(Issue.of(
                    "attempt_not_recorded_read_only" if refused else "attempt_not_recorded", lang,
                    value=found[0]["name"], round=found[0]["name"], store=shown(st.location), why=str(exc.orig)))


def merge_files(st: Store, paths: list[str], *, dry_run: bool, scope: Scope, lang: str,
                progress: Callable[[str], None] | None = None, names: dict[str, str] | None = None) -> list[FileResult]:
    """Each file in its own write-locked transaction: validate, plan, and commit all of it or nothing (with the
    store's schema as that transaction sees it: a `schema apply` between two files is the second's template).
    A dry run plans each file in a snapshot and records the attempts at the end, as a validation does: on a
    read-only store it still shows what would change. The audit's and the attempts' `by` is `scope.actor`; a
    workbook of a region outside `scope` is refused (`Forbidden`) before it is checked, merged or recorded (the
    files before it stay merged, as after any error). `names`: as for `validate_files`."""
    names = names or {}
    if dry_run:
        return _dry_run_files(st, paths, scope=scope, lang=lang, progress=progress, names=names)
    results = []
    paths = expand_paths(paths)
    with reading_ahead(paths) as ahead, st.batch() as batch:
        for i, path in enumerate(paths):
            if progress:
                progress(path)
            results.append(_merge_one(st, path, ahead.reading(i) if ahead else None, scope=scope, lang=lang,
                                      name=names.get(path)))
            batch.checkpoint()
    return results


def _dry_run_files(st: Store, paths: list[str], *, scope: Scope, lang: str,
                   progress: Callable[[str], None] | None = None, names: dict[str, str]) -> list[FileResult]:
    """Each file checked and planned in a snapshot of its own, without the writers' lock; nothing is written
    but the attempts, together at the end."""
    results = []
    attempts = []
    paths = expand_paths(paths)
    try:
        with reading_ahead(paths) as ahead:
            for i, path in enumerate(paths):
                if progress:
                    progress(path)
                try:
                    with bulk_work(), st.reading():
                        result, found = _plan_file(st, path, ahead.reading(i) if ahead else None, lang, scope,
                                                   names.get(path))
                    attempts.append((result, found))
                except FileRejected as exc:
                    result = FileResult(path, rejected=str(exc), rejected_code=exc.code, name=names.get(path))
                results.append(result)
    finally:
        _record_attempts(st, attempts, scope.actor, lang, action="dry_run")
    return results


def _merge_one(st: Store, path: str, reading: Callable[[], RawWorkbook] | None, *, scope: Scope, lang: str,
               name: str | None) -> FileResult:
    """One file, all or nothing: its own transaction, or its own savepoint of the caller's batch. On SQLite the
    transaction holds the write lock from the start; on PostgreSQL the file is checked and planned in a
    snapshot, side by side with other merges, and only its commit queues for the writers' lock
    (`_merge_planned_aside`)."""
    try:
        with bulk_work():
            if st.concurrent:
                return _merge_planned_aside(st, path, reading, scope=scope, lang=lang, name=name)
            with st.transaction():
                result, found = _plan_file(st, path, reading, lang, scope, name)
                _apply(st, result, found, by=scope.actor)
    except FileRejected as exc:
        result = FileResult(path, rejected=str(exc), rejected_code=exc.code, name=name)
    return result


def _plan_file(st: Store, path: str, reading: Callable[[], RawWorkbook] | None, lang: str, scope: Scope,
               name: str | None = None) -> tuple[FileResult, tuple[dict, str] | None]:
    """Check the file against the store, plan its merge with the store's schema now, find its round (read
    only)."""
    schema = current_schema(st)
    result = check_file(st, path, lang, reading=reading, schema=schema, scope=scope, name=name)
    assert result.checked is not None and result.raw is not None
    result.already = st.merged_sha(result.raw.sha256)
    result.plan = plan_merge(result.checked.rows, schema, result.base, result.ours,
                             result.checked.columns,
                             lambda e, r, taken: st.next_id(e, r, schema.entities[e].id_letter, taken))
    # planned: the records and rows are done with, and the commit needs the memory
    result.whole_read = result.whole is not None
    result.base = result.ours = result.whole = None
    result.checked.rows = []
    return result, _round_of(st, result, lang, "error")


def _apply(st: Store, result: FileResult, found: tuple[dict, str] | None, *, by: str) -> None:
    """Commit the planned changes (if the file is clean) and record the attempt, in the caller's transaction."""
    assert result.checked is not None and result.raw is not None and result.plan is not None
    if result.ok and result.plan.changes:
        result.revision = st.commit(
            result.plan.changes, by=by, source=Path(result.shown).name, sha256=result.raw.sha256,
            workbook=result.checked.identity.workbook_id,
            summary=", ".join(f"{k} {v}" for k, v in result.plan.counts().items() if v))
        result.applied = True
    _record_attempt(st, result, found, action="merge", by=by)


def _merge_planned_aside(st: Store, path: str, reading: Callable[[], RawWorkbook] | None, *, scope: Scope,
                         lang: str, name: str | None) -> FileResult:
    """PostgreSQL: plan in a snapshot without any lock, then commit under the writers' lock if what the plan
    read is still so: nothing changed since in the workbook's regions (or anywhere, for a workbook checked
    against the whole store), the file not merged meanwhile, its round in the same state. Otherwise plan again
    under the lock, as SQLite always does: a merge that raced another on the same records sees its revision
    and reports the conflict. Returns of different regions never plan twice."""
    with st.reading():
        seen = st.revision()
        result, found = _plan_file(st, path, reading, lang, scope, name)
        planned_with = current_version(st)
    assert result.checked is not None and result.raw is not None
    with st.transaction():
        st.lock_writes()
        workbook_id = result.checked.identity.workbook_id
        moved = _round_state(st.round_of_workbook(workbook_id)) != _round_state(found)  # closed with no revision
        moved = moved or current_version(st) != planned_with  # a template applied meanwhile: plan with it
        if not moved and st.revision() != seen:
            issued = st.workbook(workbook_id)
            moved = bool(result.whole_read or issued is None
                         or st.merged_sha(result.raw.sha256) != result.already
                         or st.changed_since(seen, set(issued["regions"]), tuple(current_schema(st).entity_names)))
        if moved:
            result, found = _plan_file(st, path, None, lang, scope, name)
        _apply(st, result, found, by=scope.actor)
    return result


def _round_state(found: tuple[dict, str] | None) -> str | None:
    return found[0]["state"] if found else None


def annotate_file(result: FileResult, target: str, lang: str) -> None:
    """The marked copy of a validated file; its list names each column by the header the workbook shows (in
    the workbook's own language), not by the field's key."""
    from workbook.returns.annotate import annotate

    assert result.checked is not None and result.schema is not None
    with staged_files() as stage:  # no half-written copy left, and a file there before lost only to a whole one
        annotate(result.path, str(stage(Path(target))), result.issues, lang, result.book_titles(lang),
                 name=result.shown)


def check_annotate_target(target: str, inputs: list[str]) -> None:
    """Refuse, before validating, an annotated copy that is not an .xlsx, that could not be written (its folder
    neither writable nor creatable: the report would be printed, then the command fail) or that would be written
    over an input: the return must stay as received (its SHA-256 is on the attempt)."""
    expect_file(target, ".xlsx", "--annotate")
    out = Path(target)
    folder = out.absolute().parent
    while not folder.exists() and folder != folder.parent:  # a folder not there yet is made where it can be
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError("usage_annotate_folder", path=target, folder=str(folder))
    for p in inputs:
        if out.resolve() == Path(p).resolve() or (out.exists() and Path(p).exists() and out.samefile(p)):
            raise UsageError("usage_annotate_input", path=target,
                             right=str(out.with_name(f"{out.stem}-checked{out.suffix}")))
