"""The schema: every sheet, field, allowed value and constraint factor, loaded once from `templates/`.

Everything else (writer, reader, validator, the `schema` command, the README's field reference) asks this
module; no other place lists fields."""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from workbook.core.messages import ISSUE_MESSAGES
from workbook.core.resources import templates_dir
from workbook.template.cross_rules import CROSS_RULES
from workbook.template.field_types import TYPES
from workbook.template.model import LIST_SEPARATORS, Entity, Factor, Field, Option, Schema, Sheet

# The fields the consolidated report relies on by key (a template change may not rename or retire them)
FIGURES = ("enterprises", "above_scale", "specialised_smes", "employment", "output")  # summed per region
MOVES = ("output", "employment")  # the fields whose largest changes the report lists


SHEET_KEYS = {"kind", "entity", "title", "help", "key", "fields", "factor_columns", "factor_field", "rows", "checks",
              "only_if_records", "new_rows"}


FIELD_KEYS = {"key", "title", "type", "unit", "required", "editable", "enum", "min", "max", "width", "help", "derived",
              "core", "plausible", "renamed_from"}  # renamed_from: the key it had before (`schema apply`)


FACTOR_KEYS = {"id", "group", "zh", "en", "help", "renamed_from", "split_from"}  # split_from: the factor it halves


def _check_keys(what: str, d: dict, allowed: set[str]) -> None:
    """Catch a YAML slip (an unquoted comma in a flow mapping makes a stray key) at load time."""
    unknown = set(d) - allowed
    if unknown:
        raise ValueError(f"schema: {what} has unknown keys {sorted(map(str, unknown))}; quote text with commas")


def _make_field(d: dict, **extra: Any) -> Field:
    _check_keys(f"field {d.get('key')}", d, FIELD_KEYS)
    if d.get("type") not in TYPES:
        raise ValueError(f"schema: field {d.get('key')} has type {d.get('type')!r}; the types are {sorted(TYPES)}")
    help_ = d.get("help") or {}
    _check_keys(f"help of {d.get('key')}", help_, {"zh", "en"})
    _check_keys(f"title of {d.get('key')}", d["title"], {"zh", "en"})
    return Field(
        key=d["key"],
        title_zh=d["title"]["zh"],
        title_en=d["title"]["en"],
        type=d["type"],
        unit=d.get("unit"),
        required=bool(d.get("required", False)),
        editable=bool(d.get("editable", True)),
        enum=d.get("enum"),
        min=d.get("min"),
        max=d.get("max"),
        width=d.get("width", 12),
        help_zh=help_.get("zh", ""),
        help_en=help_.get("en", ""),
        derived=bool(d.get("derived", False)),
        core=bool(d.get("core", False)),
        numeric=TYPES[d["type"]].numeric,
        plausible=tuple(d["plausible"]) if d.get("plausible") else None,
        **extra,
    )


def _check_rules(kind: str, checks: tuple[dict, ...], fields: list[Field]) -> None:
    """A sheet's cross-field rules name a known rule, fields of the sheet and an issue code of the catalogue."""
    keys = {f.key for f in fields}
    for check in checks:
        rule = CROSS_RULES.get(check.get("rule"))
        if rule is None:
            raise ValueError(f"schema: sheet {kind} has a check with rule {check.get('rule')!r}; "
                             f"the rules are {sorted(CROSS_RULES)}")
        _check_keys(f"check {check['rule']} of sheet {kind}", check, {"rule", "code", *rule.fields, *rule.values})
        missing = [k for k in ("code", *rule.fields, *rule.values) if k not in check]
        unknown = [check[k] for k in rule.fields if k in check and check[k] not in keys]
        if missing or unknown or check.get("code") not in ISSUE_MESSAGES:
            needed = ["code", *rule.fields, *rule.values]
            raise ValueError(f"schema: check {check['rule']} of sheet {kind} needs {needed}, naming fields of the "
                             "sheet and a code of the catalogue")


def parse_schema(doc: dict) -> Schema:
    """Turn the YAML document into the frozen schema; factor columns are expanded from the catalogue."""
    enums = {
        name: tuple(Option(o["code"], str(o["zh"]), str(o["en"]), tuple(str(s) for s in o.get("synonyms", ())))
                    for o in opts)
        for name, opts in doc["enums"].items()
    }
    for f in doc["constraint_factors"]:
        _check_keys(f"factor {f.get('id')}", f, FACTOR_KEYS)
        _check_keys(f"help of factor {f.get('id')}", f["help"], {"zh", "en"})
    factors = tuple(
        Factor(f["id"], f["group"], f["zh"], f["en"], f["help"]["zh"], f["help"]["en"])
        for f in doc["constraint_factors"]
    )
    for fac in factors:  # factor titles are typed into lists separated by these characters
        if any(ch in title for title in (fac.title_zh, fac.title_en) for ch in LIST_SEPARATORS):
            raise ValueError(f"factor {fac.id}: a title may not contain any of {LIST_SEPARATORS!r}")
    sheets = []
    for s in doc["sheets"]:
        fields = [_make_field(f) for f in s["fields"]]
        if s.get("factor_columns"):
            spec = s["factor_field"]
            for fac in factors:
                fields.append(_make_field({
                    "key": fac.id, "title": {"zh": fac.title_zh, "en": fac.title_en}, "type": spec["type"],
                    "enum": spec.get("enum"), "min": spec.get("min"), "max": spec.get("max"),
                    "width": spec.get("width", 9), "help": spec["help"],
                }, is_factor=True))
        _check_keys(f"sheet {s.get('kind')}", s, SHEET_KEYS)
        help_ = s.get("help") or {}
        checks = tuple(s.get("checks") or ())
        _check_rules(s["kind"], checks, fields)
        sheets.append(Sheet(
            kind=s["kind"], entity=s["entity"], title_zh=s["title"]["zh"], title_en=s["title"]["en"],
            key=s["key"], fields=tuple(fields), only_if_records=bool(s.get("only_if_records", False)),
            help_zh=help_.get("zh", ""), help_en=help_.get("en", ""),
            row_per_cluster=s.get("rows") == "every_cluster", checks=checks,
            new_rows=bool(s.get("new_rows", True)),
        ))
    entities = {}
    for name, spec in doc["entities"].items():
        _check_keys(f"entity {name}", spec, {"id_letter", "name_field", "seed_file", "seed_form", "export_table",
                                             "fields"})
        entities[name] = Entity(name, spec["seed_file"], spec["export_table"], spec.get("id_letter"),
                                spec.get("name_field"), spec.get("seed_form", "records"),
                                tuple(_make_field(f) for f in spec.get("fields", ())))
    for sheet in sheets:
        if sheet.entity not in entities:
            raise ValueError(f"schema: sheet {sheet.kind} keeps entity {sheet.entity}, which `entities` does not list")
    return Schema(
        version=str(doc["version"]),
        enums=enums,
        sheets=tuple(sheets),
        factors=factors,
        groups=tuple(doc["factor_groups"]),
        severity_scale=tuple(doc.get("severity_scale", ())),
        entities=entities,
    )


def yaml_load(text: bytes | str) -> Any:
    """Parse YAML safely (libyaml's parser when the wheel has it: 10x faster)."""
    import yaml  # imported when YAML is parsed, not by every command that starts

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


def _cache_file(raw: bytes) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cluster-wb" / f"schema-{hashlib.sha256(raw).hexdigest()[:32]}.json"


def parse_yaml_cached(raw: bytes) -> Any:
    """The YAML document, parsed once per content and kept as JSON in the user's cache: YAML's resolver runs
    in Python (some 50 ms for the schema), which every command would pay at start otherwise. A cache that
    cannot be read or written is simply not used."""
    cached = _cache_file(raw)
    try:
        return orjson.loads(cached.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        pass
    doc = yaml_load(raw)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
        partial.write_bytes(orjson.dumps(doc))
        os.replace(partial, cached)
    except (OSError, TypeError):  # read-only home, or a value JSON cannot hold: parse each time
        pass
    return doc


@cache
def load_schema() -> Schema:
    return parse_schema(parse_yaml_cached((templates_dir() / "schema.yaml").read_bytes()))
