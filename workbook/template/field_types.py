"""One table of field types: per type, everything that depends on it, in one entry.

How a typed cell becomes a stored value (and the quick path for the common cells of a column), the cell's
number format and alignment, its dropdown or Excel check, how a stored value is shown, what the type is called
in a message, and which checks apply. The writer, the reader, the validator and the alignment check ask this
table; none of them tests a type's name. A new type is one entry here (see `tests/test_entities.py`)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from workbook.core.messages import Both, t
from workbook.template.model import Field, Schema, fold
from workbook.template.normalize import (
    FALSE_WORDS,
    LIST_SPLIT,
    TRUE_WORDS,
    Normalized,
    Note,
    as_typed,
    clean_text,
    factor_list,
    parse_date,
    parse_enum,
    parse_number,
    plain_number,
    tidy,
    whole,
)

LIST_SEPARATOR = {"zh": "、", "en": "; "}  # how a list value is shown


EARLIEST_DATE, LATEST_DATE = date(1949, 1, 1), date(2100, 12, 31)  # what Excel's date check lets through


Parser = Callable[[Schema, Field, Any, bool], Normalized]


Converter = Callable[[Any], Any]


def _text_format(f: Field) -> str:
    return "@"


@dataclass(frozen=True)
class FieldType:
    """Everything that depends on a field's type."""

    name: str
    words: dict[str, str]  # what a cell of this type holds, as a message says "expected ..."
    hint: dict[str, str]  # an example of what to type
    parse: Parser  # a non-empty cell -> the stored value, with a note wherever a guess was made
    quick: Callable[[Converter, Schema, Field, bool], Converter] | None = None  # common cells answered directly
    number_format: Callable[[Field], str] = _text_format
    align: str | None = None
    numeric: bool = False  # stored and written as a number; range-checked against min/max
    textual: bool = False  # stored as text: a number typed in is kept as its text
    free_text: bool = False  # people's words: length-checked; a moved row is recognised by them
    ordered: bool = False  # many distinct values: a column rearranged among rows shows
    dropdown: Callable[[Field], str | None] = lambda f: None  # the list (by name) a cell chooses from
    own_list: Callable[[str], list[str]] | None = None  # the list this type brings, in a language
    excel_check: Callable[[Field], dict | None] = lambda f: None  # Excel's data-validation criteria
    display: Callable[[Schema, Field, Any, str], Any] | None = None  # None: a stored value is shown as it is
    in_words: Callable[[Any], str] | None = None  # a stored value in a sentence, where the cell's value would mislead
    references: str | None = None  # "one" or "many": values are cluster ids that must exist
    known: Callable[[Schema, Any], bool] = lambda schema, value: True  # a stored value the schema knows
    allowed_hint: str | None = None  # a message key said instead of listing every allowed value
    shows_cluster_name: bool = False  # derived: the name of the row's cluster, from the inventory
    lists_factors: bool = False  # values are constraint-factor ids: they follow a factor renamed, split or retired
    needs_enum: bool = False  # a field of the type names its list (`enum:` in the schema)
    column: str = "text"  # an analyst's column (`columns`): integer, number, date, label, list, boolean or text

    @property
    def wrap(self) -> bool:
        """Text-formatted cells wrap (and set the row's height)."""
        return self.number_format is _text_format


def _words(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _parse_ident(schema: Schema, f: Field, raw: Any, epoch1904: bool) -> Normalized:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return Normalized(unicodedata.normalize("NFKC", clean_text(raw)).upper())


def _parse_text(schema: Schema, f: Field, raw: Any, epoch1904: bool) -> Normalized:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, (datetime, date)):
        raw = raw.date().isoformat() if isinstance(raw, datetime) else raw.isoformat()
    return Normalized(clean_text(raw))


def _parse_counted(schema: Schema, f: Field, raw: Any, epoch1904: bool, percent: bool = False) -> Normalized:
    """A number that may be typed with a qualifier (约、近、余、多、以上) or as a range (5至6): kept, with the kind
    of approximation it says (`template/approx.py`)."""
    out = parse_number(raw, f, percent)
    if out.approximate:
        out.notes.append(Note("approximate", {"text": clean_text(raw), "value": out.value, "kind": out.approximate,
                                              "high": out.high}))
    return out


def _parse_whole(schema: Schema, f: Field, raw: Any, epoch1904: bool) -> Normalized:
    out = _parse_counted(schema, f, raw, epoch1904)
    if out.value is None:
        return out
    checked = whole(out.value)
    checked.notes = out.notes + checked.notes
    checked.approximate, checked.high = out.approximate, out.high
    return checked


def _parse_percent(schema: Schema, f: Field, raw: Any, epoch1904: bool) -> Normalized:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # the workbook stores fractions with a % format; a plain 80 pasted in means 80 %
        if 0 <= raw <= 1:
            return Normalized(tidy(raw * 100))
        return Normalized(tidy(float(raw)), [Note("percent_guess", {"text": as_typed(raw), "value": tidy(raw)})])
    return _parse_counted(schema, f, raw, epoch1904, percent=True)


def _parse_severity(schema: Schema, f: Field, raw: Any, epoch1904: bool) -> Normalized:
    if isinstance(raw, str):
        num = parse_number(raw, f)
        if num.value is None and not any(n.code == "unknown_value" for n in num.notes):
            return parse_enum(schema, f, raw)
        raw = num.value
        if raw is None:
            return num
    return whole(raw)


def _parse_date(schema: Schema, f: Field, raw: Any, epoch1904: bool) -> Normalized:
    return parse_date(raw, epoch1904)


def _parse_enum(schema: Schema, f: Field, raw: Any, epoch1904: bool) -> Normalized:
    return parse_enum(schema, f, raw)


def _parse_boolean(schema: Schema, f: Field, raw: Any, epoch1904: bool) -> Normalized:
    key = fold(clean_text(raw)) if not isinstance(raw, bool) else ("y" if raw else "n")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        key = "1" if raw else "0"
    if key in TRUE_WORDS:
        return Normalized(True)
    if key in FALSE_WORDS:
        return Normalized(False)
    return Normalized(None, [Note("enum", {"text": clean_text(raw), "allowed": ["是", "否"]})])


def _parse_factor_list(schema: Schema, f: Field, raw: Any, epoch1904: bool) -> Normalized:
    return factor_list(schema, raw)


def _parse_cluster_list(schema: Schema, f: Field, raw: Any, epoch1904: bool) -> Normalized:
    items = [unicodedata.normalize("NFKC", p).strip().upper() for p in LIST_SPLIT.split(clean_text(raw))]
    return Normalized([p for p in items if p] or None)


def _quick_text(slow: Converter, schema: Schema, f: Field, epoch1904: bool) -> Converter:
    def text(raw: Any) -> Any:
        if type(raw) is str and "\u00a0" not in raw and "\u3000" not in raw and "\u200b" not in raw:
            return raw.strip() or None
        return slow(raw)
    return text


def _quick_ident(slow: Converter, schema: Schema, f: Field, epoch1904: bool) -> Converter:
    def ident(raw: Any) -> Any:
        if type(raw) is str and raw.isascii() and raw == raw.strip().upper():
            return raw or None
        return slow(raw)
    return ident


def _quick_whole(slow: Converter, schema: Schema, f: Field, epoch1904: bool) -> Converter:
    def whole_number(raw: Any) -> Any:
        kind = type(raw)
        if kind is int:
            return raw
        if kind is float and raw.is_integer():
            return int(raw)
        return slow(raw)
    return whole_number


def _quick_number(slow: Converter, schema: Schema, f: Field, epoch1904: bool) -> Converter:
    def number(raw: Any) -> Any:
        kind = type(raw)
        if kind is int:
            return raw
        if kind is float:
            return tidy(raw)
        return slow(raw)
    return number


def _quick_percent(slow: Converter, schema: Schema, f: Field, epoch1904: bool) -> Converter:
    def percent(raw: Any) -> Any:
        if type(raw) in (float, int) and 0 <= raw <= 1:
            return tidy(raw * 100)
        return slow(raw)
    return percent


def _quick_date(slow: Converter, schema: Schema, f: Field, epoch1904: bool) -> Converter:
    def day(raw: Any) -> Any:
        kind = type(raw)
        if kind is date:
            return raw.isoformat()
        if kind is datetime:
            return raw.date().isoformat()
        return slow(raw)
    return day


def _quick_cluster_list(slow: Converter, schema: Schema, f: Field, epoch1904: bool) -> Converter:
    def ids(raw: Any) -> Any:
        if type(raw) is str and raw.isascii() and "\u00a0" not in raw:
            return [p for p in (part.strip().upper() for part in LIST_SPLIT.split(raw)) if p] or None
        return slow(raw)
    return ids


def _quick_label(slow: Converter, schema: Schema, f: Field, epoch1904: bool) -> Converter:
    seen: dict[Any, Any] = {}

    def remembered(raw: Any) -> Any:
        # labels repeat down a column: convert each distinct one once (lists are copied, never shared)
        if type(raw) is not str:
            return slow(raw)
        if raw not in seen:
            if len(seen) > 1000:
                seen.clear()
            seen[raw] = slow(raw)
        out = seen[raw]
        if out.notes or out.approximate:
            return out
        return list(out.value) if isinstance(out.value, list) else out.value
    return remembered


def _show_label(schema: Schema, f: Field, value: Any, lang: str) -> Any:
    opt = schema.option(f.enum, value)
    return opt.label(lang) if opt else str(value)


def _show_factors(schema: Schema, f: Field, value: Any, lang: str) -> Any:
    titles = []
    for fid in value:
        try:
            titles.append(schema.factor(fid).title(lang))
        except KeyError:
            titles.append(str(fid))
    return LIST_SEPARATOR[lang].join(titles)


def _factors_known(schema: Schema, value: Any) -> bool:
    known = {f.id for f in schema.factors}
    return all(fid in known for fid in value)


def _between(validate: str, scale: float = 1) -> Callable[[Field], dict | None]:
    def check(f: Field) -> dict | None:
        if f.min is None or f.max is None:
            return None
        return {"validate": validate, "criteria": "between", "minimum": f.min / scale, "maximum": f.max / scale}
    return check


def _date_check(f: Field) -> dict:
    return {"validate": "date", "criteria": "between", "minimum": EARLIEST_DATE, "maximum": LATEST_DATE}


_WHOLE_HINT = _words("整数，如 32000 或 3.2万", "a whole number, e.g. 32000 or 3.2万")


TYPES: dict[str, FieldType] = {}


def register(field_type: FieldType) -> FieldType:
    """Add a type to the table (a template may then use it)."""
    TYPES[field_type.name] = field_type
    return field_type


for _type in (
    FieldType("id", _words("编号", "ID"), _words("编号，如 XC-C01", "an ID, e.g. XC-C01"), _parse_ident, _quick_ident,
              textual=True),
    FieldType("cluster_ref", _words("集群编号", "cluster ID"),
              _words("集群编号，如 XC-C01", "a cluster ID, e.g. XC-C01"), _parse_ident, _quick_ident,
              textual=True, references="one"),
    FieldType("cluster_list", _words("集群编号列表", "list of cluster IDs"),
              _words("集群编号，用顿号分隔，如 XC-C01、XC-C02", "cluster IDs separated by commas, e.g. XC-C01, XC-C02"),
              _parse_cluster_list, _quick_cluster_list, references="many", column="list",
              display=lambda schema, f, value, lang: LIST_SEPARATOR[lang].join(str(v) for v in value)),
    FieldType("cluster_name", _words("集群名称", "cluster name"), _words("集群名称", "a cluster name"),
              _parse_text, _quick_text, textual=True, shows_cluster_name=True),
    FieldType("string", _words("文字", "text"), _words("一段文字", "some text"), _parse_text, _quick_text,
              textual=True, free_text=True, ordered=True),
    FieldType("text", _words("文字", "text"), _words("一段文字", "some text"), _parse_text, _quick_text,
              textual=True, free_text=True, ordered=True),
    FieldType("integer", _words("整数", "whole number"), _WHOLE_HINT, _parse_whole, _quick_whole,
              number_format=lambda f: "#,##0", numeric=True, ordered=True, excel_check=_between("integer"),
              column="integer"),
    FieldType("year", _words("年份", "year"), _words("四位年份，如 2025", "a four-digit year, e.g. 2025"),
              _parse_whole, _quick_whole, number_format=lambda f: "0", numeric=True, ordered=True,
              excel_check=_between("integer"), column="integer"),
    FieldType("number", _words("数字", "number"), _words("数字，如 30 或 近30亿元", "a number, e.g. 30"),
              _parse_counted, _quick_number, number_format=lambda f: "#,##0.00" if f.unit == "亿元" else "General",
              numeric=True, ordered=True, excel_check=_between("decimal"), column="number"),
    FieldType("percent", _words("百分比", "percentage"), _words("百分比，如 80%", "a percentage, e.g. 80%"),
              _parse_percent, _quick_percent, number_format=lambda f: "0.0%", numeric=True, ordered=True,
              excel_check=_between("decimal", scale=100),
              display=lambda schema, f, value, lang: float(value) / 100.0,
              in_words=lambda value: f"{plain_number(value)}%",  # the cell holds the fraction, shown as 80%
              column="number"),
    FieldType("severity", _words("制约程度", "severity"), _words("0、1、2、3 之一", "one of 0, 1, 2, 3"),
              _parse_severity, _quick_whole, number_format=lambda f: "0", align="center", numeric=True,
              dropdown=lambda f: f.enum, column="label"),
    FieldType("date", _words("日期", "date"), _words("日期，如 2026-12-31", "a date, e.g. 2026-12-31"),
              _parse_date, _quick_date, number_format=lambda f: "yyyy-mm-dd", ordered=True, excel_check=_date_check,
              display=lambda schema, f, value, lang: date.fromisoformat(value) if isinstance(value, str) else value,
              column="date"),
    FieldType("enum", _words("选项", "choice"), _words("下拉列表中的一项", "one of the dropdown's values"),
              _parse_enum, _quick_label, dropdown=lambda f: f.enum, display=_show_label,
              needs_enum=True, column="label"),
    FieldType("boolean", _words("是/否", "yes/no"), _words("“是”或留空", "Y or empty"), _parse_boolean, _quick_label,
              dropdown=lambda f: "boolean", own_list=lambda lang: [t("yes", lang), t("no", lang)],
              display=lambda schema, f, value, lang: t("yes", lang) if value else None, column="boolean"),
    FieldType("factor_list", _words("制约因素列表", "list of constraint factors"),
              _words("制约因素名称，用顿号分隔", "constraint factor titles separated by commas"),
              _parse_factor_list, _quick_label, display=_show_factors, known=_factors_known,
              allowed_hint="see_factor_list", lists_factors=True, column="list"),
):
    register(_type)


del _type


def field_type(f: Field) -> FieldType:
    return TYPES[f.type]


def normalize_value(schema: Schema, f: Field, raw: Any, epoch1904: bool = False) -> Normalized:
    """The stored value for a raw cell value of field `f`."""
    if raw is None or (isinstance(raw, str) and not clean_text(raw)):
        return Normalized(None)
    return TYPES[f.type].parse(schema, f, raw, epoch1904)


def make_converter(schema: Schema, f: Field, epoch1904: bool = False) -> Converter:
    """A converter for one column: the common, unambiguous cells answered directly, the rest through
    `normalize_value`. It returns the stored value, or a `Normalized` when there is more to say."""
    def slow(raw: Any) -> Normalized:
        return normalize_value(schema, f, raw, epoch1904)

    quick = TYPES[f.type].quick
    return quick(slow, schema, f, epoch1904) if quick else slow


def cell_format(f: Field) -> dict[str, Any]:
    """The type's part of a data column's cell format."""
    ft = TYPES[f.type]
    spec: dict[str, Any] = {"num_format": ft.number_format(f)}
    if ft.align:
        spec["align"] = ft.align
    if ft.wrap:
        spec["text_wrap"] = True
    return spec


def type_words(f: Field) -> tuple[Both, Both]:
    """What a cell of the field holds and an example, for the message of a value that is not of its type."""
    ft = TYPES[f.type]
    return Both(ft.words["zh"], ft.words["en"]), Both(ft.hint["zh"], ft.hint["en"])


def display_value(schema: Schema, f: Field, value: Any, lang: str) -> Any:
    """The cell value an official sees for a stored value (labels in the language, lists joined); the type
    table says how each type shows."""
    if value is None or value == "" or value == []:
        return None
    show = TYPES[f.type].display
    return show(schema, f, value, lang) if show else value
