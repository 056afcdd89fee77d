"""Data out for analysts: the store's records as pandas DataFrames (`workbook.frames()`), and as a workbook of
Excel tables ready for a pivot table (`export --format xlsx`). Both take their columns from the template
(`template.columns`): titles, types and lists are never listed a second time here."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbook.core.errors import Unknown, UsageError
from workbook.core.messages import ROUND_WORDS, STATE_WORDS, t
from workbook.core.resources import DEFAULT_STORE, STORE_ENV
from workbook.core.scope import Scope
from workbook.store.schema_versions import current_schema
from workbook.template.columns import (
    APPROX_SUFFIX,
    HIGH_SUFFIX,
    Column,
    cell_values,
    column_values,
    columns,
    options_of,
    plain,
)

if TYPE_CHECKING:
    import pandas as pd

    from workbook.store import Store
    from workbook.template.model import Schema



class _ByLang:
    """`dataset.region_names[lang]`: the names of one language, made when asked for."""

    def __init__(self, dataset: Dataset, kind: str):
        self.dataset, self.kind = dataset, kind

    def __getitem__(self, lang: str) -> dict[str, str]:
        return self.dataset.names(self.kind, lang)


PULLED = ("region", "approx", "inferred")  # record keys every entity's columns read, taken out by pandas at once


class Dataset:
    """The records of every entity (now or at a round's snapshot), read in one transaction, with what names them."""

    def __init__(self, schema: Schema, revision: int, records: dict[str, dict[str, dict]]):
        from workbook.xlsx.build import region_label

        self.schema, self.revision, self.records = schema, revision, records
        self._region_label = region_label
        self._names: dict[tuple[str, str], dict[str, str]] = {}

    @property
    def region_names(self) -> _ByLang:
        return _ByLang(self, "region")

    @property
    def cluster_names(self) -> _ByLang:
        return _ByLang(self, "cluster")

    def names(self, kind: str, lang: str) -> dict[str, str]:
        """Regions' or clusters' names in `lang`, made the first time they are asked for (one language a call)."""
        if (kind, lang) not in self._names:
            if kind == "region":
                found = {rid: self._region_label(r, lang) for rid, r in self.records.get("region", {}).items()}
            else:
                found = {cid: (c.get("name_en") if lang == "en" else None) or c.get("name_zh")
                         for cid, c in self.records.get("cluster", {}).items()}
            self._names[kind, lang] = found
        return self._names[kind, lang]

    def values(self, entity: str, lang: str) -> dict[str, list]:
        return column_values(self.schema, entity, lang, sorted(self.records.get(entity, {}).items()),
                             self.region_names[lang], self.cluster_names[lang])

    def frame(self, entity: str, lang: str) -> pd.DataFrame:
        """The entity's DataFrame: `to_frame` of `values`, with the plain columns (numbers, texts, a code's label:
        most of the cells) read by pandas in one pass over the records instead of a Python loop a column.
        tests/test_export_frames.py holds it equal to `to_frame(columns, values)` on every entity."""
        import pandas as pd

        cols = columns(self.schema, entity, lang)
        items = sorted(self.records.get(entity, {}).items())
        fast = [c for c in cols if plain(c)]
        keys = [c.key for c in fast]
        raw = pd.DataFrame.from_records([rec for _, rec in items], columns=[*keys, *PULLED])
        pulled = {k: raw[k].astype(object).where(raw[k].notna(), None).tolist() for k in PULLED}
        values: dict[str, Any] = column_values(self.schema, entity, lang, items, self.region_names[lang],
                                               self.cluster_names[lang], skip_plain=True, pulled=pulled)
        for c in fast:
            values[c.key] = _plain_column(self.schema, c, raw[c.key], lang)
        return to_frame(cols, values)


def read_dataset(st: Store, round_name: str | None = None) -> Dataset:
    """Every entity's records: now, or at the snapshot of a closed round (as the template now keeps them)."""
    from workbook.services.campaign import records_at

    with st.reading():
        schema = current_schema(st)
        entities = list(schema.entity_names)
        if round_name is None:
            return Dataset(schema, st.revision(), {e: st.records(e) for e in entities})
        rnd = st.round(round_name)
        if rnd is None:
            raise Unknown("usage_round_unknown", name=round_name,
                          names=", ".join(r["name"] for r in st.rounds()) or "—")
        if rnd["state"] != "closed":
            raise UsageError("frames_round_open", name=round_name)
        rev = rnd["closed_rev"]
        return Dataset(schema, rev, records_at(st, entities, rev, int(schema.version)))


def open_for_reading(store: str | None) -> Store:
    """The store `--store` would open (None: CLUSTER_WB_STORE, else data/cluster-wb.sqlite; a missing SQLite file
    is created and seeded, as by any command)."""
    from workbook.services.workbooks import open_or_create

    return open_or_create(store or os.environ.get(STORE_ENV) or DEFAULT_STORE)


def frames(store: str | None = None, *, lang: str = "zh", round: str | None = None) -> dict[str, pd.DataFrame]:  # noqa: A002 - the contract's name
    """The store's records as one DataFrame per entity, keyed as `export --format json` (clusters, constraints,
    ...): a row per record; a column per field key plus id, region and region_name; counts and amounts as
    nullable Int64 / Float64, dates as datetime64, list fields as categoricals of their labels in `lang` (in
    the template's order), lists of factors or clusters as Python lists, `<field>_approx` beside each count
    or amount (the kind of an approximate figure, a categorical of at least / at most / about / range in
    `lang`) and `<field>_high` (a range's high bound), `inferred` (which values were inferred, and why). With
    `round=`, the records at that closed round's snapshot."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    from workbook.services.workbooks import bulk_work

    st = open_for_reading(store)
    with bulk_work():  # a hundred thousand records and their cells, no cycles: the collector would rescan them
        try:
            data = read_dataset(st, round)
        finally:
            st.engine.dispose()
        return {data.schema.entities[e].export_table: data.frame(e, lang) for e in data.schema.entity_names}


def _plain_column(schema: Schema, c: Column, raw: pd.Series, lang: str) -> Any:
    """A plain column's values read by pandas, as `column_values` gives them: a number as stored (anything else
    in a number column: none), a text (empty: none), a code's label (a code the list lost: the code). A number
    column holding anything but numbers falls back to Python, value by value."""
    import pandas as pd

    if c.kind in ("integer", "number"):
        whole = c.kind == "number" or bool((raw.dropna() % 1 == 0).all()) if raw.dtype.kind in "if" else False
        if raw.dtype.kind in "if" and whole:  # numbers and gaps only
            return pd.array(raw.to_numpy(), dtype="Float64" if c.kind == "number" else "Int64")
        return [v if v.__class__ in (int, float) else None for v in raw.tolist()]
    if c.kind == "text":
        return pd.array(raw.where(raw.notna() & (raw != ""), None), dtype="string")
    options = options_of(schema, c.field, lang)  # a label
    labels = raw.map(options)
    missed = labels.isna() & raw.notna()
    if missed.any():  # a code the list no longer has: shown as the code
        labels[missed] = raw[missed].map(lambda v: str(int(v)) if isinstance(v, float) and v % 1 == 0 else str(v))
    extra = [x for x in labels.dropna().unique() if x not in c.labels]  # a code the list lost
    return pd.Categorical(labels, categories=[*c.labels, *extra], ordered=c.ordered)


def to_frame(cols: list[Column], values: dict[str, Any]) -> pd.DataFrame:
    """The columns as a DataFrame with the dtype of each column's kind (a column given as a pandas array already
    kept as it is)."""
    import numpy as np
    import pandas as pd

    data: dict[str, Any] = {}
    for c in cols:
        v = values[c.key]
        if not isinstance(v, list):
            data[c.key] = v.array if isinstance(v, pd.Series) else v
        elif v and v.count(None) == len(v) and c.kind in ("integer", "number", "label"):
            # an empty column (most kinds and high bounds): made whole, not value by value
            if c.kind == "label":
                data[c.key] = pd.Categorical.from_codes(np.full(len(v), -1, dtype=np.int8),
                                                        categories=list(c.labels), ordered=c.ordered)
            else:
                data[c.key] = pd.array(np.full(len(v), np.nan), dtype="Int64" if c.kind == "integer" else "Float64")
        elif c.kind == "integer":
            data[c.key] = pd.array(v, dtype="Int64")
        elif c.kind == "number":
            data[c.key] = pd.array(v, dtype="Float64")
        elif c.kind == "date":
            data[c.key] = pd.to_datetime(pd.Series(v, dtype=object)).astype("datetime64[ns]")
        elif c.kind == "label":
            extra = [x for x in dict.fromkeys(v) if x is not None and x not in c.labels]  # a code the list lost
            data[c.key] = pd.Categorical(v, categories=[*c.labels, *extra], ordered=c.ordered)
        elif c.kind == "boolean":
            data[c.key] = pd.array(v, dtype="boolean")
        elif c.kind == "list":
            data[c.key] = pd.Series(v, dtype=object)
        else:
            data[c.key] = pd.array(v, dtype="string")
    return pd.DataFrame(data)


def export_xlsx(st: Store, path: Path, lang: str) -> Path:
    """The workbook of Excel tables: one per entity across all regions, one per round's returns, and 说明."""
    from workbook.xlsx.dataset_book import Table, column_format, write_dataset

    data = read_dataset(st)
    schema = data.schema
    tables = []
    for entity in schema.entity_names:
        cols = columns(schema, entity, lang)
        values = data.values(entity, lang)
        try:
            title, help_ = schema.sheet_for_entity(entity).title(lang), schema.sheet_for_entity(entity).help(lang)
        except KeyError:
            title, help_ = schema.entities[entity].export_table, ""
        tables.append(Table(title, schema.entities[entity].export_table, cols,
                            {c.key: cell_values(schema, c, values[c.key], lang) for c in cols}, help_,
                            widths={c.key: _width(c) for c in cols},
                            formats={c.key: f for c in cols if (f := column_format(c))}))
    tables += _round_tables(st, lang)
    return write_dataset(tables, path, lang, revision=data.revision, version=schema.version)


def _width(c: Column) -> float:
    if c.field is None and c.key.endswith((APPROX_SUFFIX, HIGH_SUFFIX)):
        return 9
    return max(c.field.width if c.field else 12, 8)


def _round_tables(st: Store, lang: str) -> list:
    """A table per round: its returns region by region, as `status --round NAME` tells them."""
    from workbook.services.campaign import list_rounds, round_status
    from workbook.xlsx.dataset_book import Table

    scope = Scope.everything("export")
    heads = ROUND_WORDS["status_cols"][lang]
    heads = (*heads[:11], heads[-1])  # the tracker's columns but its trend of recent rounds, a picture of its own
    keys = ("region", "workbook", "state", "attempts", "last_attempt_at", "merged_at", "changes", "errors",
            "conflicts", "overdue", "completeness", "contact")
    kinds = dict(zip(keys, ("text", "text", "text", "integer", "date", "date", "integer", "integer", "integer",
                            "boolean", "number", "text"), strict=True))
    out = []
    for n, rnd in enumerate(list_rounds(st), start=1):
        tracker = round_status(st, rnd["name"], scope=scope)
        cols = [Column(k, h, kinds[k], "", "") for k, h in zip(keys, heads, strict=True)]
        cols.insert(1, Column("region_name", t("exp_region_name", lang), "text", "", ""))
        rows = tracker["regions"]
        cells: dict[str, list] = {
            "region": [r["region"] for r in rows],
            "region_name": [(r["name_zh"] if lang == "zh" else (r["name_en"] or r["name_zh"])) for r in rows],
            "state": [STATE_WORDS[lang][r["state"]] for r in rows],
            "overdue": [ROUND_WORDS["overdue"][lang] if r["overdue"] else None for r in rows],
            "last_attempt_at": [_when(r["last_attempt_at"]) for r in rows],
            "merged_at": [_when(r["merged_at"]) for r in rows],
        }
        for k in keys:
            cells.setdefault(k, [r[k] for r in rows])
        out.append(Table(t("exp_round_sheet", lang, name=rnd["name"]), f"round_{n}", cols, cells,
                         t("exp_round_help", lang, name=rnd["name"]),
                         widths={"region_name": 12, "workbook": 26, "contact": 24, "last_attempt_at": 16,
                                 "merged_at": 16},
                         formats={"last_attempt_at": "yyyy-mm-dd hh:mm", "merged_at": "yyyy-mm-dd hh:mm",
                                  "completeness": "0%"}))
    return out


def _when(iso: str | None) -> datetime | None:
    """A stored time as the local wall-clock time Excel shows (Excel has no time zones)."""
    if not iso:
        return None
    moment = datetime.fromisoformat(iso)
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment
