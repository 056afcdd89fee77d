"""`schema apply FILE`: make an edited schema the store's next version, its records migrated in one revision.

The file is read and checked first (`schema_file`); the change is worked out against the store's schema now
and its records (`schema_change.diff`) and printed; a change that would lose or break stored data is refused
(exit 1) unless the file's `migrate:` says what to do. Then, in one transaction: the records' changed values
(one audit entry each, source the file's name) as one revision, and the new version, which every command
uses from then on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import CwbError
from .messages import Both, t
from .schema_change import DATA_STEPS, describe, diff, migrate_record
from .schema_file import read_schema_file
from .schema_versions import current_version
from .store import Change, Store


class ApplyRefused(CwbError):
    """The change would lose or break stored data: exit 1, saying which records and values."""

    exit_code = 1
    lines: list[Both] = []  # the change it would have made, printed before the refusal


@dataclass
class Applied:
    version_from: int
    version: int | None  # the new version; None for a dry run or when nothing changed
    lines: list[Both] = field(default_factory=list)  # the change, one line per step
    changes: int = 0  # stored values changed
    revision: int | None = None  # the migration's revision (None when no value changed)
    dry_run: bool = False

    def to_json(self, lang: str) -> dict:
        return {"from_version": self.version_from, "version": self.version, "dry_run": self.dry_run,
                "changes": [line.said(lang) for line in self.lines], "values_changed": self.changes,
                "revision": self.revision}


def apply_schema(st: Store, path: Path, *, dry_run: bool, by: str) -> Applied:
    """Check the file, work out the change, refuse or migrate. Raises `SchemaFileError` (exit 2) or
    `ApplyRefused` (exit 1); changes nothing unless the whole change can be made."""
    doc, text, _schema = read_schema_file(path)
    with st.transaction():
        st.lock_writes()  # no merge commits between the records read here and the migration's revision
        row = st.schema_row()
        if row is None:  # version 1 never recorded (a store interrupted while it was made): record it first
            doc_1, text_1 = _bundled()
            st.add_schema_version(doc=doc_1, text=text_1, changes=[], by="cluster-wb", source="bundled",
                                  summary="the bundled schema")
            row = st.schema_row()
            assert row is not None
        before = current_version(st)
        old_doc = row["doc"]
        entities = list(old_doc["entities"])
        records = {e: st.records(e) for e in entities}
        change = diff(old_doc, doc, records)
        applied = Applied(before, None, [describe(s) for s in change.steps], dry_run=dry_run)
        if change.refusals:
            problems = "\n".join(f"  - {t(r.code, 'zh', **r.params)}" for r in change.refusals)
            problems_en = "\n".join(f"  - {t(r.code, 'en', **r.params)}" for r in change.refusals)
            refused = ApplyRefused("apply_refused", path=str(path), problems=Both(problems, problems_en))
            refused.lines = applied.lines
            raise refused
        changes = _migration(change.steps, records)
        applied.changes = len(changes)
        if dry_run or not change.steps:
            return applied
        summary = f"schema version {before + 1}"
        if changes:
            applied.revision = st.commit(changes, by=by, source=path.name, summary=summary)
        clean = {k: v for k, v in doc.items() if k != "migrate"}  # how this change was made is kept with it
        applied.version = st.add_schema_version(doc=clean, text=text, changes=change.steps, by=by, source=path.name,
                                                summary=summary, rev=applied.revision)
    return applied


def _bundled() -> tuple[dict, str]:
    from .resources import templates_dir
    from .schema import parse_yaml_cached

    raw = (templates_dir() / "schema.yaml").read_bytes()
    return parse_yaml_cached(raw), raw.decode("utf-8")


def _migration(steps: list[dict], records: dict[str, dict[str, dict]]) -> list[Change]:
    """One update per stored value the steps change (a field renamed: its value leaves the old key and arrives
    under the new; marks and evidence follow as values of their own)."""
    if not any(s["op"] in DATA_STEPS for s in steps):
        return []
    out = []
    for entity, recs in records.items():
        for rid, data in recs.items():
            new = migrate_record(entity, rid, data, steps)
            if new is data:
                continue
            region = rid if entity == "region" else data.get("region")
            for key in list(dict.fromkeys([*data, *new])):
                if data.get(key) != new.get(key):
                    out.append(Change(entity, rid, key, "update", data.get(key), new.get(key), region))
    return out
