"""`schema apply FILE`: make an edited schema the store's next version, its records migrated in one revision.

The file is read and checked first (`schema_file`); the change is worked out against the store's schema now
and its records (`schema_change.diff`) and printed; a change that would lose or break stored data is refused
(exit 1) unless the file's `migrate:` says what to do. Then, in one transaction: the records' changed values
(one audit entry each, source the file's name) as one revision, and the new version, which every command
uses from then on."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbook.core.changes import Change
from workbook.core.errors import CwbError
from workbook.core.messages import Both, t
from workbook.store import Store
from workbook.store.connection import StoreError
from workbook.template.schema_change import DATA_STEPS, describe, diff, migrate_record
from workbook.template.schema_file import read_schema_file, without_migrate


class ApplyRefused(CwbError):
    """The change would lose or break stored data: exit 1, saying which records and values."""

    exit_code = 1
    lines: list[Both] = []  # the change it would have made, printed before the refusal


@dataclass
class Applied:
    """What `schema apply` did (or, for a dry run, would do)."""

    version_from: int
    version: int | None  # the new version; None for a dry run or when the file changes nothing
    lines: list[Both] = field(default_factory=list)  # the change, one line per step
    records: int = 0  # stored records whose values change
    entries: int = 0  # their audit entries (a renamed field's value: one leaving, one arriving)
    revision: int | None = None  # the migration's revision (None when no stored value changes)
    dry_run: bool = False

    def to_json(self, lang: str) -> dict:
        return {"from_version": self.version_from, "version": self.version, "dry_run": self.dry_run,
                "changes": [line.said(lang) for line in self.lines], "records_migrated": self.records,
                "audit_entries": self.entries, "revision": self.revision}


def apply_schema(st: Store, path: Path, *, dry_run: bool, by: str) -> Applied:
    """Check the file, work out the change, refuse or migrate. Raises `SchemaFileError` (exit 2) or
    `ApplyRefused` (exit 1); changes nothing unless the whole change can be made, and nothing on a dry run."""
    doc, text, _schema = read_schema_file(path)
    with st.transaction():
        st.lock_writes()  # no merge commits between the records read here and the migration's revision
        row = st.schema_row()
        if row is None:  # `init` and the upgrade record version 1 with the store itself
            raise StoreError("store_no_schema", store=st.location)
        old_doc = row["doc"]
        records = {e: st.records(e) for e in old_doc["entities"]}
        change = diff(old_doc, doc, records)
        applied = Applied(int(row["version"]), None, [describe(s) for s in change.steps], dry_run=dry_run)
        if change.refusals:
            problems = Both(*("\n".join(f"  - {t(r.code, lang, **r.params)}" for r in change.refusals)
                              for lang in ("zh", "en")))
            refused = ApplyRefused("apply_refused", path=str(path), problems=problems)
            refused.lines = applied.lines
            raise refused
        changes = _migration(change.steps, records)
        del records  # the changes hold the values; the commit reads the rows it updates again
        applied.records, applied.entries = len({(c.entity, c.record) for c in changes}), len(changes)
        if dry_run or without_migrate(old_doc) == without_migrate(doc):
            return applied
        summary = f"schema version {applied.version_from + 1}"
        if changes:
            applied.revision = st.commit(changes, by=by, source=path.name, summary=summary)
        kept = {k: v for k, v in doc.items() if k != "migrate"}  # how this change was made lives in its steps
        applied.version = st.add_schema_version(doc=kept, text=text, changes=change.steps, by=by, source=path.name,
                                                summary=summary, rev=applied.revision)
    return applied


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
            for key in dict.fromkeys([*data, *new]):
                if data.get(key) != new.get(key):
                    out.append(Change(entity, rid, key, "update", data.get(key), new.get(key), region))
    return out
