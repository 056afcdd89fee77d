"""What changed between two versions of a store's schema, and how records and old workbooks map across it.

Pure: two schema documents (the YAML's data) in, a list of steps out (`diff`); records and a returned workbook's
rows mapped forward through the steps (`migrate_record`, `forward`). Steps are plain dicts, kept with the new
version in the store, so that a workbook built under any older version can be read with its own columns and
brought to the version now. Steps that change data: `rename_field`, `split_factor`, `retire_field`,
`map_values`, `set_values`; the others only describe (titles, help, ranges, values added, …)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbook.core.messages import Both, both
from workbook.template.field_types import display_value, field_type, normalize_value
from workbook.template.model import Field, Schema, Sheet
from workbook.template.normalize import plain_number
from workbook.template.schema import FIGURES, MOVES, parse_schema
from workbook.template.schema_file import UNFIT_ACTIONS, without_migrate

DATA_STEPS = ("rename_field", "split_factor", "retire_field", "map_values", "set_values")


EXAMPLES = 5  # records named in a refusal, per problem


# Fields the tool's own index sheet, report, names and checks use by their key: a change may not rename, retire or
# retype them (their titles, help and ranges may change), nor the field that names an entity's records.
RELIED_ON = frozenset({"id", "region", "name_zh", "name_en", "title_zh", "title_en", "status", "due_date", "level",
                       "value", "unit", "subject", "metric_zh", "metric_en", "year", "kind", *FIGURES, *MOVES})


DESCRIBED_ATTRS = ("required", "editable", "unit", "width", "core", "plausible", "derived")


@dataclass
class Refusal:
    """A change that would lose stored data or break records, unless the file's `migrate:` says what to do."""

    code: str
    params: dict[str, Any]


@dataclass
class Diff:
    """The steps from one version to the next (in the order they apply), and what the change is refused for."""

    steps: list[dict] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


def _renamed_from(spec: dict) -> list[str]:
    old = spec.get("renamed_from")
    if old is None:
        return []
    return [str(o) for o in old] if isinstance(old, list) else [str(old)]


def _pairs(old: dict[str, dict], new: dict[str, dict]) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """(old key, new key) of the entries kept or renamed, the keys added and the keys retired. An entry that
    says `renamed_from: OLD` takes OLD's place when OLD is gone from the new version (a stale one, left in a
    file applied before, is nothing)."""
    pairs, added = [], []
    taken: set[str] = set()
    for key, spec in new.items():
        if key in old:
            pairs.append((key, key))
            taken.add(key)
            continue
        sources = [o for o in _renamed_from(spec) if o in old and o not in new and o not in taken]
        if sources:
            pairs.append((sources[0], key))
            taken.add(sources[0])
        else:
            added.append(key)
    retired = [k for k in old if k not in taken]
    return pairs, added, retired


def _enum_map(old_doc: dict, new_doc: dict, old_enum: str, new_enum: str) -> tuple[dict, list[Any]]:
    """Old code -> new code for one field's list: codes renamed or merged (`renamed_from` on the new value);
    and the old codes that map to nothing (retired)."""
    old_codes = [o["code"] for o in old_doc["enums"].get(old_enum, ())]
    new_opts = new_doc["enums"].get(new_enum, ())
    new_codes = {str(o["code"]) for o in new_opts}
    mapping: dict[Any, Any] = {}
    for opt in new_opts:
        for src in _renamed_from(opt):
            for code in old_codes:
                if str(code) == src and str(code) not in new_codes:
                    mapping[code] = opt["code"]
    retired = [c for c in old_codes if str(c) not in new_codes and c not in mapping]
    return mapping, retired


def _migrate_spec(new_doc: dict) -> dict:
    """The file's `migrate:` section (its shape checked by `schema_file`), with defaults."""
    spec = new_doc.get("migrate") or {}
    return {"retire": {str(k) for k in spec.get("retire") or ()}, "values": dict(spec.get("values") or {}),
            "unfit": dict(spec.get("unfit") or {})}


def _said(migrate_part: dict, kind: str, key: str) -> Any:
    """What `migrate:` says about a field, named `SHEET.FIELD` or just `FIELD`."""
    found = migrate_part.get(f"{kind}.{key}")
    return found if found is not None else migrate_part.get(key)


@dataclass
class _Change:
    """What one `diff` works with: both versions, the stored records, what the file's `migrate:` says."""

    old_doc: dict
    new_doc: dict
    old: Schema
    new: Schema
    records: dict[str, dict[str, dict]]
    migrate: dict
    out: Diff
    factor_map: dict[str, list[str]] = field(default_factory=dict)  # old factor id -> the ids it became


def diff(old_doc: dict, new_doc: dict, records: dict[str, dict[str, dict]] | None = None) -> Diff:
    """The steps from `old_doc` to `new_doc`, and what they would refuse given the stored `records` (by entity
    and id): a retired field or factor that holds values, a list value still in use that maps to nothing, a
    range or a type that stored values do not fit — unless `migrate:` says how — and what cannot be migrated."""
    ch = _Change(old_doc, new_doc, parse_schema(old_doc), parse_schema(new_doc), records or {},
                 _migrate_spec(new_doc), Diff())
    out = ch.out
    old_sheets = {s["kind"]: s for s in old_doc["sheets"]}
    new_sheets = {s["kind"]: s for s in new_doc["sheets"]}
    for kind in old_sheets.keys() - new_sheets.keys():
        out.refusals.append(Refusal("apply_sheet_removed", {"sheet": kind}))
    for kind in new_sheets.keys() - old_sheets.keys():
        out.refusals.append(Refusal("apply_sheet_added", {"sheet": kind}))
    if set(old_doc["entities"]) != set(new_doc["entities"]):
        out.refusals.append(Refusal("apply_entities_changed", {
            "entities": ", ".join(sorted(set(old_doc["entities"]) ^ set(new_doc["entities"])))}))
    factor_pairs = _factor_steps(ch)
    for kind in [k for k in new_sheets if k in old_sheets]:
        o_sheet, n_sheet = ch.old.sheet(kind), ch.new.sheet(kind)
        if o_sheet.entity != n_sheet.entity or o_sheet.key != n_sheet.key:
            out.refusals.append(Refusal("apply_sheet_entity", {"sheet": kind}))
            continue
        _sheet_steps(ch, old_sheets[kind], new_sheets[kind], o_sheet, n_sheet)
        if any(f.is_factor for f in n_sheet.fields):  # the matrix: a severity column per factor
            for o_id, n_id in factor_pairs:
                _value_steps(ch, kind, n_sheet.entity, o_sheet.field(o_id), n_sheet.field(n_id), old_key=o_id)
    _enum_steps(ch)
    _other_steps(ch)
    if not out.steps and without_migrate(old_doc) != without_migrate(new_doc):
        out.steps.append({"op": "other_edits"})  # nothing the list above names, but the file differs
    return out


def _sheet_steps(ch: _Change, o_spec: dict, n_spec: dict, o_sheet: Sheet, n_sheet: Sheet) -> None:
    """A sheet's own fields: added, retired, renamed, and each kept one's changes."""
    out, kind, entity = ch.out, n_sheet.kind, n_sheet.entity
    if (o_sheet.title_zh, o_sheet.title_en) != (n_sheet.title_zh, n_sheet.title_en):
        out.steps.append({"op": "sheet_title", "sheet": kind, "old": [o_sheet.title_zh, o_sheet.title_en],
                          "new": [n_sheet.title_zh, n_sheet.title_en]})
    if (o_sheet.help_zh, o_sheet.help_en) != (n_sheet.help_zh, n_sheet.help_en):
        out.steps.append({"op": "sheet_help", "sheet": kind})
    if o_sheet.checks != n_sheet.checks:
        out.steps.append({"op": "sheet_checks", "sheet": kind})
    o_specs = {f["key"]: f for f in o_spec["fields"]}
    n_specs = {f["key"]: f for f in n_spec["fields"]}
    pairs, added, retired = _pairs(o_specs, n_specs)
    held = ch.records.get(entity, {})
    relied = RELIED_ON | {ch.old_doc["entities"][entity].get("name_field")}
    for o_key, n_key in pairs:
        if o_key in relied and (o_key != n_key or o_sheet.field(o_key).type != n_sheet.field(n_key).type):
            out.refusals.append(Refusal("apply_relied_on", {"sheet": kind, "field": o_key}))
    for key in added:
        out.steps.append({"op": "add_field", "sheet": kind, "entity": entity, "field": key,
                          "title": [n_sheet.field(key).title_zh, n_sheet.field(key).title_en]})
    for key in retired:
        f = o_sheet.field(key)
        if key in relied:
            out.refusals.append(Refusal("apply_relied_on", {"sheet": kind, "field": key}))
        holding = [rid for rid, rec in held.items() if rec.get(key) not in (None, "", [])]
        if holding and f"{kind}.{key}" not in ch.migrate["retire"] and key not in ch.migrate["retire"]:
            out.refusals.append(Refusal("apply_retire_in_use", {
                "sheet": kind, "field": key, "count": len(holding), "examples": _examples(holding, held, key)}))
        out.steps.append({"op": "retire_field", "sheet": kind, "entity": entity, "field": key,
                          "title": [f.title_zh, f.title_en], "count": len(holding)})
    for o_key, n_key in pairs:
        if o_key != n_key:
            out.steps.append({"op": "rename_field", "sheet": kind, "entity": entity, "from": o_key, "to": n_key})
        _describe_field(ch, kind, o_sheet.field(o_key), n_sheet.field(n_key))
        _value_steps(ch, kind, entity, o_sheet.field(o_key), n_sheet.field(n_key), old_key=o_key)


def _examples(ids: list[str], held: dict[str, dict], key: str) -> str:
    shown = [f"{rid} ({held[rid].get(key)})" for rid in ids[:EXAMPLES]]
    return "、".join(shown) + ("…" if len(ids) > EXAMPLES else "")


def _describe_field(ch: _Change, kind: str, of: Field, nf: Field) -> None:
    """The lines saying what changed of a field kept (or renamed), besides its values."""
    out, key = ch.out, nf.key
    if (of.title_zh, of.title_en) != (nf.title_zh, nf.title_en):
        out.steps.append({"op": "field_title", "sheet": kind, "field": key, "old": [of.title_zh, of.title_en],
                          "new": [nf.title_zh, nf.title_en]})
    if (of.help_zh, of.help_en) != (nf.help_zh, nf.help_en):
        out.steps.append({"op": "field_help", "sheet": kind, "field": key})
    for attr in DESCRIBED_ATTRS:
        if getattr(of, attr) != getattr(nf, attr):
            out.steps.append({"op": "field_attr", "sheet": kind, "field": key, "attr": attr,
                              "old": _jsonable(getattr(of, attr)), "new": _jsonable(getattr(nf, attr))})
    if (of.min, of.max) != (nf.min, nf.max):
        out.steps.append({"op": "field_range", "sheet": kind, "field": key, "old": [of.min, of.max],
                          "new": [nf.min, nf.max]})
    if of.type != nf.type or of.enum != nf.enum:
        out.steps.append({"op": "field_type", "sheet": kind, "field": key,
                          "old": of.type + (f" ({of.enum})" if of.enum else ""),
                          "new": nf.type + (f" ({nf.enum})" if nf.enum else "")})


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _value_steps(ch: _Change, kind: str, entity: str, of: Field, nf: Field, *, old_key: str) -> None:
    """The stored values of one field (held under `old_key` until the new version): list values renamed,
    merged, retired or mapped by `migrate: values`, factors followed, values converted to a new type, and
    values a new range or type does not take (refused, or cleared or clamped as `migrate: unfit` says)."""
    out, key = ch.out, nf.key
    asked = _said(ch.migrate["values"], kind, key) or {}
    mapping: dict[Any, Any] = {}
    retired: list[Any] = []
    if of.enum and nf.enum:
        mapping, retired = _enum_map(ch.old_doc, ch.new_doc, of.enum, nf.enum)
    elif field_type(nf).lists_factors:  # lists of factors follow the factors renamed, split, retired
        mapping = dict(ch.factor_map)
    for code in list(retired):  # a retired list value the file maps
        target = next((v for k, v in asked.items() if str(k) == str(code)), _UNSAID)
        if target is not _UNSAID:
            mapping[code] = target
            retired.remove(code)
    if not of.enum and asked:  # a field without a list: stored values renamed (a wording corrected everywhere)
        mapping.update(asked)
    if mapping:
        out.steps.append({"op": "map_values", "sheet": kind, "entity": entity, "field": key,
                          "map": [[a, b] for a, b in mapping.items()]})
    if not retired and not mapping and same_rules(ch.old, of, ch.new, nf):
        return  # the values were taken under these very rules: nothing to check (a national store: seconds)
    held = ch.records.get(entity, {})
    values = {rid: rec[old_key] for rid, rec in held.items() if rec.get(old_key) not in (None, "", [])}
    gone = set(map(str, retired))
    in_use = {rid: v for rid, v in values.items() if gone and any(str(x) in gone for x in _listed(v))}
    if in_use:
        codes = [c for c in retired if any(str(c) in map(str, _listed(v)) for v in in_use.values())]
        out.refusals.append(Refusal("apply_value_in_use", {
            "sheet": kind, "field": key, "values": "、".join(map(str, codes)), "count": len(in_use),
            "examples": _examples(list(in_use), {r: {key: v} for r, v in in_use.items()}, key)}))
    # every other stored value must read as one of the new field's (shown as the old field showed it, read as
    # the new one reads a cell); one that reads differently is converted
    unfit, converted = {}, {}
    for rid, v in values.items():
        if rid in in_use:
            continue
        mapped = _mapped(v, mapping) if mapping else v
        if mapped in (None, []):
            continue
        ok, new_value = fits(ch.new, nf, stored_shown(ch.old, of, mapped), mapped)
        if not ok:
            unfit[rid] = mapped
        elif not _same(new_value, mapped):
            converted[rid] = [mapped, new_value]
    if converted:
        out.steps.append({"op": "set_values", "sheet": kind, "entity": entity, "field": key, "why": "convert",
                          "values": converted})
    if unfit:
        action = _said(ch.migrate["unfit"], kind, key)
        if action in UNFIT_ACTIONS:
            out.steps.append({"op": "set_values", "sheet": kind, "entity": entity, "field": key, "why": action,
                              "values": {rid: [v, _clamped(ch.new, nf, v) if action == "clamp" else None]
                                         for rid, v in unfit.items()}})
        else:
            out.refusals.append(Refusal("apply_unfit", {
                "sheet": kind, "field": key, "count": len(unfit),
                "examples": _examples(list(unfit), {r: {key: v} for r, v in unfit.items()}, key),
                "rule": rule_text(nf)}))


_UNSAID = object()


def same_rules(old: Schema, of: Field, new: Schema, nf: Field) -> bool:
    """The new field takes every value the old one took: same type, range and list codes."""
    if (of.type, of.min, of.max) != (nf.type, nf.min, nf.max) or bool(of.enum) != bool(nf.enum):
        return False
    if not of.enum:
        return True
    codes = {str(o.code) for o in new.enums.get(nf.enum or "", ())}
    return all(str(o.code) in codes for o in old.enums.get(of.enum, ()))


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _same(a: Any, b: Any) -> bool:
    return a == b and type(a) is type(b)


def _clamped(schema: Schema, f: Field, v: Any) -> Any:
    """A number brought into the field's range, if it then fits the field (a type too); otherwise cleared."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return None
    if f.min is not None and v < f.min:
        v = plain_number(f.min)
    if f.max is not None and v > f.max:
        v = plain_number(f.max)
    ok, value = fits(schema, f, v, v)
    return value if ok else None


def rule_text(f: Field) -> str:
    if f.min is None and f.max is None:
        return f.type
    return f"{f.type} {_range_text([f.min, f.max])}"


def stored_shown(schema: Schema, f: Field, value: Any) -> Any:
    shown = display_value(schema, f, value, "zh")
    return value if shown is None else shown


def fits(schema: Schema, f: Field, shown: Any, value: Any) -> tuple[bool, Any]:
    """Whether a stored value is one of field `f`'s (of the new version) — it reads without an error, within the
    range — and the value it reads as."""
    if f.enum and schema.option(f.enum, value) is not None:
        return True, value  # a code of the list (shown as a label that may have changed)
    if isinstance(value, list) and not f.enum and field_type(f).references:
        return True, value
    norm = normalize_value(schema, f, shown)
    if any(n.severity == "error" for n in norm.notes):
        return False, None
    converted = norm.value
    if converted is None:
        return True, converted
    if f.numeric and isinstance(converted, (int, float)) and not isinstance(converted, bool):
        return (f.min is None or converted >= f.min) and (f.max is None or converted <= f.max), converted
    if field_type(f).free_text and f.max is not None:
        return len(str(converted)) <= f.max, converted
    return True, converted


def _matrix(schema: Schema) -> Sheet:
    return next(s for s in schema.sheets if any(f.is_factor for f in s.fields))


def _factor_steps(ch: _Change) -> list[tuple[str, str]]:
    """Constraint factors added, renamed, split (several new factors `split_from` one old) or retired; sets
    `ch.factor_map` (old id -> the ids it became, none when retired) for the fields that list factors. Returns
    the (old id, new id) of every factor column whose values carry over (a split's source to each half)."""
    out, old, new = ch.out, ch.old, ch.new
    matrix_sheet = _matrix(new)
    kind, entity = matrix_sheet.kind, matrix_sheet.entity
    matrix = ch.records.get(entity, {})
    o_specs = {f["id"]: f for f in ch.old_doc["constraint_factors"]}
    n_specs = {f["id"]: f for f in ch.new_doc["constraint_factors"]}
    splits: dict[str, list[str]] = {}
    for fid, spec in n_specs.items():
        src = spec.get("split_from")
        if src is not None and str(src) in o_specs and str(src) not in n_specs and fid not in o_specs:
            splits.setdefault(str(src), []).append(fid)
    split_targets = {t for targets in splits.values() for t in targets}
    pairs, added, retired = _pairs(o_specs, {k: v for k, v in n_specs.items() if k not in split_targets})
    carried = list(pairs)
    for src, targets in splits.items():
        ch.factor_map[src] = targets
        carried += [(src, t) for t in targets]
        out.steps.append({"op": "split_factor", "entity": entity, "sheet": kind, "from": src, "to": targets,
                          "count": sum(1 for r in matrix.values() if r.get(src) is not None)})
        retired = [r for r in retired if r != src]
    for fid in added:
        f = new.factor(fid)
        out.steps.append({"op": "add_factor", "factor": fid, "title": [f.title_zh, f.title_en]})
    for fid in retired:
        holding = [rid for rid, rec in matrix.items() if rec.get(fid) is not None]
        if holding and f"{kind}.{fid}" not in ch.migrate["retire"] and fid not in ch.migrate["retire"]:
            out.refusals.append(Refusal("apply_retire_in_use", {
                "sheet": kind, "field": fid, "count": len(holding), "examples": _examples(holding, matrix, fid)}))
        f = old.factor(fid)
        ch.factor_map[fid] = []
        out.steps.append({"op": "retire_field", "sheet": kind, "entity": entity, "field": fid,
                          "title": [f.title_zh, f.title_en], "count": len(holding)})
    for o_id, n_id in pairs:
        of, nf = old.factor(o_id), new.factor(n_id)
        if o_id != n_id:
            ch.factor_map[o_id] = [n_id]
            out.steps.append({"op": "rename_field", "sheet": kind, "entity": entity, "from": o_id, "to": n_id})
        if (of.title_zh, of.title_en) != (nf.title_zh, nf.title_en):
            out.steps.append({"op": "field_title", "sheet": kind, "field": n_id,
                              "old": [of.title_zh, of.title_en], "new": [nf.title_zh, nf.title_en]})
        if (of.help_zh, of.help_en) != (nf.help_zh, nf.help_en):
            out.steps.append({"op": "field_help", "sheet": kind, "field": n_id})
        if of.group != nf.group:
            out.steps.append({"op": "factor_group", "field": n_id, "old": of.group, "new": nf.group})
    return carried


def _enum_steps(ch: _Change) -> None:
    """List values added, retired (unused: the used ones are refused or mapped), relabelled or given other
    synonyms, per list (the values renamed or merged are `map_values`)."""
    for name, opts in ch.new_doc["enums"].items():
        before = {str(o["code"]): o for o in ch.old_doc["enums"].get(name, ())}
        now = {str(o["code"]) for o in opts}
        for o in opts:
            was = before.get(str(o["code"]))
            if was is None:
                if not any(src in before and src not in now for src in _renamed_from(o)):
                    ch.out.steps.append({"op": "value_added", "enum": name, "code": o["code"],
                                         "label": [str(o["zh"]), str(o["en"])]})
                continue
            if (str(was["zh"]), str(was["en"])) != (str(o["zh"]), str(o["en"])):
                ch.out.steps.append({"op": "value_label", "enum": name, "code": o["code"],
                                     "old": [str(was["zh"]), str(was["en"])], "new": [str(o["zh"]), str(o["en"])]})
            if list(was.get("synonyms") or ()) != list(o.get("synonyms") or ()):
                ch.out.steps.append({"op": "value_synonyms", "enum": name, "code": o["code"]})
        renamed = {src for o in opts for src in _renamed_from(o)}
        for code, was in before.items():
            if code not in now and code not in renamed:
                ch.out.steps.append({"op": "value_retired", "enum": name, "code": was["code"]})


def _other_steps(ch: _Change) -> None:
    """The parts of the file beside sheets, fields, lists and factors: factor groups and the severity scale."""
    if ch.old_doc["factor_groups"] != ch.new_doc["factor_groups"]:
        ch.out.steps.append({"op": "factor_groups"})
    if ch.old_doc.get("severity_scale") != ch.new_doc.get("severity_scale"):
        ch.out.steps.append({"op": "severity_scale"})


# -- mapping records forward (an old workbook's rows: returns/forward) --------------------------------
def migrate_record(entity: str, rid: str | None, data: dict, steps: list[dict], *, stored: bool = True) -> dict:
    """`data` (record `rid`, or a row's values) as the new version keeps it: fields renamed, factors split,
    retired fields dropped, list values mapped and, for a stored record (`stored`), the values converted,
    cleared or clamped that the apply decided (each only if it still holds the value it was decided for).
    Marks (`approx`, `inferred`) and a matrix row's evidence follow their field. Returns a new dict, or `data`
    itself when nothing applies."""
    out = data
    for step in steps:
        if step.get("entity") != entity or step["op"] not in DATA_STEPS:
            continue
        op = step["op"]
        if op == "rename_field" and (step["from"] in out or _marked(out, step["from"])):
            out = _moved(out, step["from"], [step["to"]])
        elif op == "split_factor" and (step["from"] in out or _marked(out, step["from"])):
            out = _moved(out, step["from"], step["to"])
        elif op == "retire_field" and (step["field"] in out or _marked(out, step["field"])):
            out = _moved(out, step["field"], [])
        elif op == "map_values" and out.get(step["field"]) is not None:
            v = out[step["field"]]
            new = _mapped(v, {a: b for a, b in step["map"]})
            if new != v:
                out = _set(out, step["field"], new)
        elif op == "set_values" and stored and rid is not None and rid in step["values"]:
            was, new = step["values"][rid]
            if out.get(step["field"]) == was:
                out = _set(out, step["field"], new)
    return out


def _set(data: dict, key: str, value: Any) -> dict:
    out = dict(data)
    if value in (None, []):
        out.pop(key, None)
    else:
        out[key] = value
    return out


def _mapped(value: Any, mapping: dict) -> Any:
    """A value (or each value of a list) through `mapping`, codes compared as text (a YAML `1` is the code "1");
    a list target (a factor split) puts several values in its place, an empty one or None removes it."""
    keyed = {str(a): b for a, b in mapping.items()}
    if not isinstance(value, list):
        new = keyed.get(str(value), value)
        return new[0] if isinstance(new, list) and len(new) == 1 else (None if new == [] else new)
    out: list[Any] = []
    for x in value:
        new = keyed.get(str(x), x)
        out += new if isinstance(new, list) else [] if new is None else [new]
    return list(dict.fromkeys(out))


def _marked(data: dict, key: str) -> bool:
    return key in (data.get("approx") or ()) or key in (data.get("inferred") or {}) or \
        key in (data.get("evidence") or {})


def _moved(data: dict, key: str, targets: list[str]) -> dict:
    """`data` with field `key`'s value (and its marks and evidence) under each of `targets` instead."""
    out = dict(data)
    if key in out:
        v = out.pop(key)
        for t in targets:
            out[t] = v
    approx = out.get("approx")
    if approx and not isinstance(approx, dict) and key in approx:  # a list of names, as stores before format 6
        kept = list(dict.fromkeys([k for k in approx if k != key] + list(targets)))
        if kept:
            out["approx"] = kept
        else:
            out.pop("approx")
    for mark in ("approx", "inferred", "evidence"):  # each maps a field to its mark: {"kind", "high"}, a reason
        marks = out.get(mark)
        if isinstance(marks, dict) and key in marks:
            marks = dict(marks)
            v = marks.pop(key)
            for t in targets:
                marks[t] = v
            if marks:
                out[mark] = marks
            else:
                out.pop(mark)
    return out


def migrate_records(records: dict[str, dict[str, dict]], steps: list[dict]) -> dict[str, dict[str, dict]]:
    """Every record mapped forward (new dicts where anything changed; the others shared)."""
    if not any(s["op"] in DATA_STEPS for s in steps):
        return records
    out = {}
    for entity, recs in records.items():
        if not any(s.get("entity") == entity and s["op"] in DATA_STEPS for s in steps):
            out[entity] = recs
            continue
        out[entity] = {rid: migrate_record(entity, rid, rec, steps) for rid, rec in recs.items()}
    return out


def describe(step: dict) -> Both:
    """One line of the change, in both languages (`schema apply` prints them before doing anything)."""
    op = step["op"]
    p = {k: v for k, v in step.items() if k != "op"}
    bilingual = ("title", "label", "old", "new") if op in ("field_title", "sheet_title", "value_label") else \
        ("title", "label")
    for k in bilingual:
        if isinstance(p.get(k), list) and len(p[k]) == 2:
            p[k] = Both(str(p[k][0]), str(p[k][1]))
    if op == "map_values":
        p["map"] = ", ".join(f"{a} → {_target(b)}" for a, b in step["map"])
    if op == "split_factor":
        p["to"] = ", ".join(step["to"])
    if op == "set_values":
        p["n"], p["why"] = len(step["values"]), both(f"why_{step['why']}")
        p.pop("values")
    if op == "field_range":
        p["old"] = _range_text(step["old"])
        p["new"] = _range_text(step["new"])
    return both(f"change_{op}", **p)


def _target(value: Any) -> str:
    if value in (None, []):
        return "∅"
    return " + ".join(map(str, value)) if isinstance(value, list) else str(value)


def _range_text(pair: list) -> str:
    low, high = pair
    return f"{'' if low is None else plain_number(low)}–{'' if high is None else plain_number(high)}"

