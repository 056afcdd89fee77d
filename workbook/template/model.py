"""The schema model: sheets, fields, lists and constraint factors as frozen data. Imports nothing else of the template:
field types, normalizers and the loader build on it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from dataclasses import field as dataclass_field
from typing import Any

from workbook.core.messages import Both

LANGS = ("zh", "en")


LIST_SEPARATORS = "、,，;；/\n"


@dataclass(frozen=True)
class Option:
    """One allowed value of an enumerated field: the stored code and the labels shown."""

    code: Any
    zh: str
    en: str
    synonyms: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def labels(self) -> Both:
        return Both(self.zh, self.en)


@dataclass(frozen=True)
class Field:
    key: str
    title_zh: str
    title_en: str
    type: str
    unit: str | None = None
    required: bool = False
    editable: bool = True
    enum: str | None = None
    min: float | None = None
    max: float | None = None
    width: float = 12
    help_zh: str = ""
    help_en: str = ""
    derived: bool = False
    is_factor: bool = False
    core: bool = False  # counted in a region's completeness
    numeric: bool = False  # stored as a number (from the type table, `field_types`)
    plausible: tuple[float, float] | None = None  # the usual range: outside it a figure is a warning (its unit?)

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def titles(self) -> Both:
        return Both(self.title_zh, self.title_en)

    def help(self, lang: str) -> str:
        return self.help_zh if lang == "zh" else self.help_en


@dataclass(frozen=True)
class Sheet:
    kind: str
    entity: str
    title_zh: str
    title_en: str
    key: str
    fields: tuple[Field, ...]
    only_if_records: bool = False
    help_zh: str = ""
    help_en: str = ""
    row_per_cluster: bool = False  # `rows: every_cluster`: a row for every cluster of the region (the matrix)
    new_rows: bool = True  # `new_rows: false`: officials edit the rows issued and add none (the region's own)
    checks: tuple[dict, ...] = ()  # rules between fields of a row (`validate.CROSS_RULES`)

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def titles(self) -> Both:
        return Both(self.title_zh, self.title_en)

    def help(self, lang: str) -> str:
        return self.help_zh if lang == "zh" else self.help_en

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def owner(self) -> str | None:
        """The entity this sheet has a record per record of, under that record's id (`rows: every_cluster`: the
        matrix has one per cluster), or None. Such a record belongs to its owner and goes when the owner goes."""
        return "cluster" if self.row_per_cluster else None

    stored_fields: tuple[Field, ...] = dataclass_field(init=False, repr=False, compare=False)
    editable_fields: tuple[Field, ...] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # derived once: validation asks for them for every row
        stored = tuple(f for f in self.fields if not f.derived and f.key != "delete")  # kept in the store
        object.__setattr__(self, "stored_fields", stored)
        object.__setattr__(self, "editable_fields", tuple(f for f in stored if f.editable and f.key != "id"))


@dataclass(frozen=True)
class Factor:
    id: str
    group: str
    title_zh: str
    title_en: str
    help_zh: str
    help_en: str

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def titles(self) -> Both:
        return Both(self.title_zh, self.title_en)


@dataclass(frozen=True)
class Entity:
    """What the store keeps of one kind of record (see `entities` in templates/schema.yaml)."""

    name: str
    seed_file: str
    export_table: str
    id_letter: str | None = None
    name_field: str | None = None
    seed_form: str = "records"  # or "diagnoses" (the constraint matrix)
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Schema:
    version: str
    enums: dict[str, tuple[Option, ...]]
    sheets: tuple[Sheet, ...]
    factors: tuple[Factor, ...]
    groups: tuple[dict, ...]
    severity_scale: tuple[dict, ...]
    entities: dict[str, Entity] = field(default_factory=dict)  # every entity, in seed and export order

    @property
    def entity_names(self) -> tuple[str, ...]:
        return tuple(self.entities)

    def sheet(self, kind: str) -> Sheet:
        for s in self.sheets:
            if s.kind == kind:
                return s
        raise KeyError(kind)

    def owned_by(self, entity: str) -> tuple[str, ...]:
        """The entities whose records are keyed by a record of `entity` (see `Sheet.owner`): deleting a record of
        `entity` deletes theirs under its id, so a matrix row does not outlive its cluster."""
        return tuple(s.entity for s in self.sheets if s.owner == entity)

    def sheet_for_entity(self, entity: str) -> Sheet:
        for s in self.sheets:
            if s.entity == entity:
                return s
        raise KeyError(entity)

    def factor(self, factor_id: str) -> Factor:
        for f in self.factors:
            if f.id == factor_id:
                return f
        raise KeyError(factor_id)

    def group_title(self, group_id: str, lang: str) -> str:
        for g in self.groups:
            if g["id"] == group_id:
                return g[lang]
        return group_id

    def option(self, enum: str, code: Any) -> Option | None:
        for o in self.enums[enum]:
            if o.code == code:
                return o
        return None

    def to_json(self) -> dict:
        """The shape `schema --format json` prints (the README lists the fields)."""
        return {
            "version": self.version,
            "sheets": [
                {
                    "kind": s.kind,
                    "entity": s.entity,
                    "title_zh": s.title_zh,
                    "title_en": s.title_en,
                    "key": s.key,
                    "fields": [_field_json(self, f) for f in s.fields],
                }
                for s in self.sheets
            ],
            "constraint_factors": [
                {"id": f.id, "title_zh": f.title_zh, "title_en": f.title_en, "group": f.group,
                 "help_zh": f.help_zh, "help_en": f.help_en}
                for f in self.factors
            ],
            "factor_groups": list(self.groups),
        }


def _field_json(schema: Schema, f: Field) -> dict:
    options = schema.enums.get(f.enum, ()) if f.enum else ()
    return {
        "key": f.key,
        "title_zh": f.title_zh,
        "title_en": f.title_en,
        "type": f.type,
        "unit": f.unit,
        "required": f.required,
        "editable": f.editable,
        "enum": [o.code for o in options] if f.enum else None,
        "enum_zh": [o.zh for o in options] if f.enum else None,
        "enum_en": [o.en for o in options] if f.enum else None,
        "min": f.min,
        "max": f.max,
        "help_zh": f.help_zh,
        "help_en": f.help_en,
        "core": f.core,
    }


def fold(text: str) -> str:
    """Compare-friendly form of a header or label: NFKC (full-width to half-width), no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()
