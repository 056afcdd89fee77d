"""An analyst's columns of an entity: the store's records across regions as typed columns, for
`export --format xlsx` and `workbook.frames()`. Derived from the template alone (field titles, types, lists,
help), so a field added to `templates/schema.yaml` appears in both with nothing else to edit; the type table
says what kind of column each type makes (`FieldType.column`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from workbook.core.messages import t
from workbook.template.approx import approx_marks, kind_label, kind_labels
from workbook.template.field_types import LIST_SEPARATOR, display_value, field_type
from workbook.template.model import Field, Schema

APPROX_SUFFIX = "_approx"  # `<field>_approx`: the kind of an approximate figure (at least, at most, about, range)
HIGH_SUFFIX = "_high"  # `<field>_high`: a range's high bound (the field holds the low one)
INFERRED = "inferred"  # the column naming the values inferred from the context, and why


@dataclass(frozen=True)
class Column:
    """One column: its key (a field key, `id`, `region`, ...), header, kind (integer, number, date, label, list,
    boolean, text) and, for a label column, the list's labels in the template's order."""

    key: str
    title: str
    kind: str
    help: str
    words: str
    field: Field | None = None
    labels: tuple[str, ...] = ()
    ordered: bool = False  # a numeric list (the severity scale) is a scale: its labels compare
    high_of: Field | None = None  # a range's high bound: the field it bounds, whose cells it is shown as


def entity_fields(schema: Schema, entity: str) -> tuple[Field, ...]:
    """The fields an entity's records are shown with: its sheet's columns (the derived name of a row's cluster
    included, the delete mark not), or the entity's own fields when it has no sheet."""
    try:
        sheet = schema.sheet_for_entity(entity)
    except KeyError:
        return tuple(f for f in schema.entities[entity].fields if f.key != "id")
    return tuple(f for f in sheet.fields if f.key not in ("id", "delete")
                 and (not f.derived or field_type(f).shows_cluster_name))


def _id_field(schema: Schema, entity: str) -> Field | None:
    try:
        return schema.sheet_for_entity(entity).field("id")
    except KeyError:
        return None


def columns(schema: Schema, entity: str, lang: str) -> list[Column]:
    """The entity's columns, in order: id, region, the region's name, each field, the kind of approximation of
    each count or amount and a range's high bound, and the inferred values."""
    id_field = _id_field(schema, entity)
    region_id = _id_field(schema, "region")
    out = [Column("id", id_field.title(lang) if id_field else "id", "text", id_field.help(lang) if id_field else "",
                  field_type(id_field).words[lang] if id_field else "", id_field)]
    # the region's sheet titles its ids; on that sheet itself `region` repeats `id` (the same keys everywhere)
    region_title = region_id.title(lang) if region_id and entity != "region" else t("exp_region", lang)
    out.append(Column("region", region_title, "text", t("exp_region", lang),
                      field_type(region_id).words[lang] if region_id else ""))
    out.append(Column("region_name", t("exp_region_name", lang), "text", t("exp_region_name", lang), ""))
    flags = []
    for f in entity_fields(schema, entity):
        ft = field_type(f)
        labels: tuple[str, ...] = ()
        if ft.column == "label":
            labels = tuple(o.label(lang) for o in schema.enums.get(f.enum or ft.dropdown(f) or "", ()))
        out.append(Column(f.key, f.title(lang), ft.column, f.help(lang), ft.words[lang], f, labels,
                          ordered=ft.column == "label" and ft.numeric))
        if ft.column in ("integer", "number") and not f.derived:
            flags.append(Column(f.key + APPROX_SUFFIX, t("exp_approx", lang, title=f.title(lang)), "label",
                                t("exp_approx_help", lang, title=f.title(lang)), "", labels=kind_labels(lang)))
            flags.append(Column(f.key + HIGH_SUFFIX, t("exp_high", lang, title=f.title(lang)), ft.column,
                                t("exp_high_help", lang, title=f.title(lang)), ft.words[lang], high_of=f))
    out += flags
    out.append(Column(INFERRED, t("exp_inferred", lang), "text", t("exp_inferred_help", lang), ""))
    return out


Records = list[tuple[str, dict]]


def options_of(schema: Schema, f: Field, lang: str) -> dict[Any, str]:
    """A list field's codes and their labels in `lang`."""
    ft = field_type(f)
    return {o.code: o.label(lang) for o in schema.enums.get(f.enum or ft.dropdown(f) or "", ())}


_NUMBERS = (int, float)  # exactly: a bool is no figure


def _list_of(schema: Schema, f: Field, lang: str):
    if field_type(f).lists_factors:
        titles = {fac.id: fac.title(lang) for fac in schema.factors}
        return lambda v: [titles.get(x, str(x)) for x in v] if v else None
    return lambda v: [str(x) for x in v] if v else None


def _number(v: Any) -> Any:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _day(v: Any) -> date | None:
    if isinstance(v, str):
        try:
            return date.fromisoformat(v[:10])
        except ValueError:
            return None
    return v if isinstance(v, date) else None


def _text(v: Any) -> str | None:
    return None if v is None or v == "" else str(v)


def plain(col: Column) -> bool:
    """A column whose cells are a field's stored values as they are (a number, a text) or a list code's label:
    what a caller with a faster way to read many records (pandas, for `frames`) may take on itself."""
    return (col.field is not None and col.key not in ("id", "region", "region_name")
            and col.kind in ("integer", "number", "text", "label") and not field_type(col.field).shows_cluster_name)


def column_values(schema: Schema, entity: str, lang: str, records: Records, region_names: dict[str, str],
                  cluster_names: dict[str, str], *, skip_plain: bool = False,
                  pulled: dict[str, list] | None = None) -> dict[str, list]:
    """The records' values, column by column (the keys of `columns`): numbers as stored, dates as dates, a list's
    codes as its labels, a list field as a list of labels, the kind of an approximate figure as its word in
    `lang` and a range's high bound as a number. `skip_plain`: leave out the `plain` columns. `pulled`: a record
    key's values, one a record (None where it has none), already taken out by a faster reader."""
    cols = [c for c in columns(schema, entity, lang) if not (skip_plain and plain(c))]
    ids = [rid for rid, _ in records]
    recs = [rec for _, rec in records]
    pulled = pulled or {}

    def values_of(key: str) -> list:
        return pulled[key] if key in pulled else [rec.get(key) for rec in recs]

    regions = ids if entity == "region" else values_of("region")
    out: dict[str, list] = {"id": ids, "region": list(regions),
                            "region_name": [region_names.get(r) for r in regions]}
    titles = {f.key: f.title(lang) for f in entity_fields(schema, entity)}
    # the kinds and high bounds, column by column, from the records that have any (few): one pass over them
    kinds: dict[str, list] = {}
    highs: dict[str, list] = {}
    for i, marks in enumerate(values_of("approx")):
        if marks:
            for key, mark in approx_marks(marks).items():
                kinds.setdefault(key, [None] * len(recs))[i] = kind_label(mark.get("kind"), lang)
                highs.setdefault(key, [None] * len(recs))[i] = _number(mark.get("high"))
    for col in cols:
        if col.key in out:
            continue
        if col.key == INFERRED:
            out[col.key] = [_inferred(r, titles) if r else None for r in values_of("inferred")]
            continue
        if col.field is None:  # the kind of an approximate figure, or a range's high bound
            if col.key.endswith(APPROX_SUFFIX):
                out[col.key] = kinds.get(col.key[: -len(APPROX_SUFFIX)]) or [None] * len(recs)
            else:
                out[col.key] = highs.get(col.key[: -len(HIGH_SUFFIX)]) or [None] * len(recs)
            continue
        f, key = col.field, col.key
        if field_type(f).shows_cluster_name:
            out[key] = [cluster_names.get(rid) for rid in ids]
            continue
        # inline, one pass, no call a value: these columns are most of the cells of an analyst's frames
        if col.kind in ("integer", "number"):
            out[key] = [v if (v := rec.get(key)).__class__ in _NUMBERS else None for rec in recs]
        elif col.kind == "label":
            options = options_of(schema, f, lang)
            out[key] = [None if (v := rec.get(key)) is None else options.get(v) or str(v) for rec in recs]
        elif col.kind == "text":
            out[key] = [None if (v := rec.get(key)) is None or v == "" else v if v.__class__ is str else str(v)
                        for rec in recs]
        else:
            convert = {"date": _day, "list": _list_of(schema, f, lang),
                       "boolean": lambda v: None if v is None else bool(v)}.get(col.kind, _text)
            out[key] = [convert(rec.get(key)) for rec in recs]
    return out


def _inferred(reasons: Any, titles: dict[str, str]) -> str | None:
    if not reasons:
        return None
    if isinstance(reasons, dict):
        return "\n".join(f"{titles.get(k, k)}: {why}" for k, why in reasons.items())
    return "、".join(titles.get(k, k) for k in reasons)


def cell_values(schema: Schema, col: Column, values: Iterable[Any], lang: str) -> list[Any]:
    """A column's values as cells show them (for a workbook): a list joined, a percentage as its fraction, a
    flag as “是”/“Y” — the type table's `display` where the type has one."""
    if col.kind == "list":
        sep = LIST_SEPARATOR[lang]
        return [sep.join(v) if v else None for v in values]
    if col.kind == "boolean":
        yes = t("yes", lang)
        return [yes if v else None for v in values]
    f = col.field or col.high_of  # a high bound shows as its field's value does (a share as its fraction)
    if f is not None and col.kind in ("integer", "number") and field_type(f).display is not None:
        return [display_value(schema, f, v, lang) for v in values]
    return list(values)
