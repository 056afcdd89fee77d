"""Turn what people type into stored values, tolerantly, with a note wherever a guess was made.

Pure functions: a schema field and a raw cell value in, a value and notes out. Handles full-width
characters, spaces, thousands separators, 万/亿, units, 约/近/余/多/以上, percentages typed three ways,
dates in many spellings and both Excel date systems, enum labels of either language and synonyms.
Which of these a column uses is its type's business: `field_types` holds that table."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from workbook.core.messages import ISSUE_MESSAGES
from workbook.template.model import LIST_SEPARATORS, Field, Schema, fold

UNKNOWN_WORDS = {fold(w) for w in ("不详", "未知", "无", "暂无", "无数据", "—", "——", "-", "--", "/", "?", "？",
                                   "n/a", "na", "unknown", "null", "none", "不清楚", "待定", "待补充", "x")}


# what each qualifier says of the figure (workbook/template/approx.py): a lower bound, an upper one, or about so
PREFIX_QUALIFIERS = {"大约": "about", "接近": "at_most", "超过": "at_least", "不到": "at_most", "不足": "at_most",
                     "约": "about", "近": "at_most", "逾": "at_least", "超": "at_least", "大概": "about",
                     "about": "about", "approx.": "about", "approx": "about", "~": "about", "≈": "about",
                     "≥": "at_least", "≤": "at_most"}


SUFFIX_QUALIFIERS = {"左右": "about", "以上": "at_least", "上下": "about", "余": "at_least", "多": "at_least",
                     "+": "at_least", "以下": "at_most", "以内": "at_most"}


RANGE = re.compile(r"(\d+(?:\.\d+)?)(万亿|亿|千万|百万|万|千)?%?(?:至|到|-|–|—|~)(\d+(?:\.\d+)?)"
                   r"(万亿|亿|千万|百万|万|千)?(.*)")  # 5至6个, 5-6, 1至1.5万人: the text's ranges


MAGNITUDES = {"万亿": 1e12, "亿": 1e8, "千万": 1e7, "百万": 1e6, "万": 1e4, "千": 1e3}


UNIT_SCALE = {"亿元": 1e8, "万元": 1e4, "元": 1.0}


UNIT_WORDS = {"人": {"人", "名", "人次"}, "家": {"家", "个", "户"}}


LIST_SPLIT = re.compile("[" + re.escape(LIST_SEPARATORS) + "]+")


TRUE_WORDS = {fold(w) for w in ("是", "y", "yes", "true", "1", "✓", "√", "✔", "x", "删除", "delete", "对", "要")}


FALSE_WORDS = {fold(w) for w in ("否", "n", "no", "false", "0", "不", "")}


EXCEL_1900 = date(1899, 12, 30)


EXCEL_1904 = date(1904, 1, 1)


@dataclass
class Note:
    code: str  # a code of the issue catalogue, which says its severity
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return ISSUE_MESSAGES[self.code]["severity"]


@dataclass
class Normalized:
    value: Any
    notes: list[Note] = field(default_factory=list)
    approximate: str | None = None  # the kind of an approximate figure: about, at_least, at_most, range
    high: int | float | None = None  # a range's high bound (the value is its low one)


def clean_text(raw: Any) -> str:
    text = str(raw).replace("\u00a0", " ").replace("\u3000", " ").replace("\u200b", "")
    return text.strip()


def _as_number_text(text: str) -> str:
    """Half-width digits and signs, no spaces or thousands separators."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(text.split())
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", text).replace(",", "")


def parse_number(raw: Any, f: Field, percent: bool = False) -> Normalized:
    """A number in the field's unit, from a number or from text such as `３.２万`, `1100多家`, `近30亿元`;
    `percent`: a share, typed as `80%`, `80` or `0.8`."""
    if isinstance(raw, bool):
        return Normalized(None, [Note("type", {"expected": f.type})])
    if isinstance(raw, (int, float)):
        return Normalized(tidy(raw) if isinstance(raw, float) else raw)
    text = clean_text(raw)
    if fold(text) in UNKNOWN_WORDS:
        return Normalized(None, [Note("unknown_value", {"text": text})])
    s = _as_number_text(text)
    ranged = RANGE.fullmatch(s)
    if ranged:
        return _parse_range(ranged, f, percent, text)
    approx: str | None = None
    for q, kind in PREFIX_QUALIFIERS.items():
        if s.lower().startswith(q):
            s, approx = s[len(q):], kind
            break
    ranged = RANGE.fullmatch(s) if approx == "about" else None
    if ranged:  # 约5至6家: a range, about so; the range says more than the 约
        return _parse_range(ranged, f, percent, text)
    changed = True
    while changed:
        changed = False
        for q, kind in SUFFIX_QUALIFIERS.items():
            if s.endswith(q):
                s, approx, changed = s[: -len(q)], approx or kind, True
    m = re.fullmatch(r"([-+]?\d+(?:\.\d+)?)(万亿|亿|千万|百万|万|千)?(.*)", s)
    if not m:
        return Normalized(None, [Note("type", {"expected": f.type, "text": text})])
    number_text, magnitude, rest = m.groups()
    for q, kind in SUFFIX_QUALIFIERS.items():
        if q in rest:
            rest, approx = rest.replace(q, ""), approx or kind
    try:
        n = Decimal(number_text)
    except InvalidOperation:
        return Normalized(None, [Note("type", {"expected": f.type, "text": text})])
    unit = rest.strip()
    notes: list[Note] = []
    if percent:
        if unit not in ("", "%"):
            return Normalized(None, [Note("unit", {"text": text, "unit": "%"})])
        value = float(n * Decimal(MAGNITUDES[magnitude])) if magnitude else float(n)
        if unit == "":
            if 0 < value <= 1 and "." in number_text:
                value *= 100
            notes.append(Note("percent_guess", {"text": text, "value": tidy(value)}))  # what is stored
        return Normalized(tidy(value), notes, approx)
    field_unit = f.unit or ""
    scale = UNIT_SCALE.get(field_unit)
    if scale is not None:
        # money: whatever magnitude and unit were typed, bring it to the field's unit (亿元)
        if unit and unit not in UNIT_SCALE:
            return Normalized(None, [Note("unit", {"text": text, "unit": field_unit})])
        if not magnitude and unit in ("", field_unit):
            value = n
        elif magnitude and not unit and field_unit != "元":  # 3.2万 in a 亿元 column: 3.2万元, or a slip for 3.2?
            value = n * Decimal(MAGNITUDES[magnitude]) / Decimal(scale)
            notes.append(Note("unit_magnitude", {"text": text, "value": tidy(float(value)), "unit": field_unit,
                                                 "number": tidy(float(n))}))
        else:
            mult = Decimal(MAGNITUDES[magnitude]) if magnitude else Decimal(1)
            typed = Decimal(UNIT_SCALE[unit]) if unit else Decimal(1)
            value = n * mult * typed / Decimal(scale)
    else:
        if unit and field_unit and unit not in UNIT_WORDS.get(field_unit, {field_unit}):
            return Normalized(None, [Note("unit", {"text": text, "unit": field_unit or "—"})])
        value = n * Decimal(MAGNITUDES[magnitude]) if magnitude else n
    return Normalized(tidy(float(value)), notes, approx)


def _parse_range(m: re.Match, f: Field, percent: bool, text: str) -> Normalized:
    """`5至6个`: the low bound is the value, the high one rides beside it; a magnitude or unit written once, after
    the high bound, counts for both (1至1.5万人 is 10,000 to 15,000). Notes quote the whole range as typed, not
    the bound they were made of; a high bound below the low one is an error (6至5: a slip, not a range)."""
    low_number, low_magnitude, high_number, high_magnitude, rest = m.groups()
    low = parse_number(low_number + (low_magnitude or high_magnitude or "") + rest, f, percent)
    high = parse_number(high_number + (high_magnitude or "") + rest, f, percent)
    for note in (*low.notes, *high.notes):
        if "text" in note.params:
            note.params["text"] = text
    if low.value is None:
        return low
    if high.value is None:
        return high
    if high.value < low.value:
        return Normalized(None, [Note("range_order", {"text": text, "low": low.value, "high": high.value})])
    return Normalized(low.value, low.notes, "range", high.value)


def plain_number(x: float) -> int | float:
    """A number as a message shows it: a whole one without its ".0" (a range 0–100, not 0.0–100.0)."""
    return int(x) if float(x).is_integer() else x


def as_typed(raw: Any) -> str:
    """A cell's value as the official typed it, for a message: calamine reads every number as a float, and a
    whole one shows without its ".0" (20, not 20.0)."""
    if raw is None:
        return ""
    return str(plain_number(raw)) if type(raw) is float and math.isfinite(raw) else str(raw)


def tidy(value: float) -> int | float:
    """Whole numbers as int (32000, not 32000.0); others rounded off float noise."""
    if abs(value - round(value)) < 1e-9:
        return int(round(value))
    return round(value, 10)


def parse_date(raw: Any, epoch1904: bool = False) -> Normalized:
    if isinstance(raw, datetime):
        return Normalized(raw.date().isoformat())
    if isinstance(raw, date):
        return Normalized(raw.isoformat())
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if not 1 <= raw <= 2958465:
            return Normalized(None, [Note("type", {"expected": "date", "text": str(raw)})])
        base = EXCEL_1904 if epoch1904 else EXCEL_1900
        return Normalized((base + timedelta(days=int(raw))).isoformat())
    text = clean_text(raw)
    if fold(text) in UNKNOWN_WORDS:
        return Normalized(None, [Note("unknown_value", {"text": text})])
    s = unicodedata.normalize("NFKC", text).replace(" ", "")
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", s)
    if m:
        try:
            return Normalized(date(int(m[1]), int(m[2]), int(m[3])).isoformat())
        except ValueError:
            return Normalized(None, [Note("type", {"expected": "date", "text": text})])
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?(?:底|末)?", s)
    if m and 1 <= int(m[2]) <= 12:
        y, mo = int(m[1]), int(m[2])
        last = (date(y + (mo == 12), mo % 12 + 1, 1) - timedelta(days=1))
        return Normalized(last.isoformat(), [Note("date_guess", {"text": text, "value": last.isoformat()})])
    m = re.fullmatch(r"(\d{4})年?(?:底|末)?", s)
    if m:
        last = date(int(m[1]), 12, 31)
        return Normalized(last.isoformat(), [Note("date_guess", {"text": text, "value": last.isoformat()})])
    m = re.fullmatch(r"(\d{5})(?:\.0+)?", s)
    if m:
        return parse_date(int(m[1]), epoch1904)
    return Normalized(None, [Note("type", {"expected": "date", "text": text})])


def match_option(schema: Schema, enum: str, raw: Any) -> tuple[Any, bool] | None:
    """The code an enum label stands for; the flag says it was typed other than as this language's label."""
    key = fold(str(raw))
    for o in schema.enums[enum]:
        if key in (fold(o.zh), fold(o.en), fold(str(o.code))):
            return o.code, key not in (fold(o.zh), fold(o.en))
    for o in schema.enums[enum]:
        if key in {fold(s) for s in o.synonyms}:
            return o.code, True
    return None


def parse_enum(schema: Schema, f: Field, raw: Any) -> Normalized:
    text = clean_text(raw) if not isinstance(raw, (int, float)) else raw
    if isinstance(raw, float) and raw.is_integer():
        text = int(raw)
    hit = _cached_enum(schema, f.enum, text) if isinstance(text, str) else match_option(schema, f.enum, text)
    if hit is None:
        allowed = [o.zh for o in schema.enums[f.enum]]
        return Normalized(None, [Note("enum", {"text": str(text), "allowed": allowed})])
    code, guessed = hit
    notes = [Note("synonym", {"text": str(text), "code": code})] if guessed and not isinstance(text, int) \
        else []
    return Normalized(code, notes)


_ENUM_CACHE: dict[tuple[int, str, str], tuple[Any, bool] | None] = {}


def _cached_enum(schema: Schema, enum: str, text: str) -> tuple[Any, bool] | None:
    """Labels repeat down a column: look each one up once."""
    key = (id(schema), enum, text)
    if key not in _ENUM_CACHE:
        if len(_ENUM_CACHE) > 10_000:
            _ENUM_CACHE.clear()
        _ENUM_CACHE[key] = match_option(schema, enum, text)
    return _ENUM_CACHE[key]


def whole(value: Any) -> Normalized:
    """A whole number as int; a fraction is an error (a count of firms has none)."""
    if isinstance(value, float):
        if not value.is_integer():
            return Normalized(None, [Note("whole", {"text": str(value)})])
        value = int(value)
    return Normalized(value)


_FACTOR_TITLES: dict[int, dict[str, str]] = {}


def _factor_titles(schema: Schema) -> dict[str, str]:
    if id(schema) not in _FACTOR_TITLES:
        _FACTOR_TITLES[id(schema)] = {fold(label): fac.id for fac in schema.factors
                                      for label in (fac.id, fac.title_zh, fac.title_en)}
    return _FACTOR_TITLES[id(schema)]


def factor_list(schema: Schema, raw: Any) -> Normalized:
    titles = _factor_titles(schema)
    ids, notes = [], []
    for part in LIST_SPLIT.split(clean_text(raw)):
        part = part.strip()
        if not part:
            continue
        fid = titles.get(fold(part))
        if fid is None:
            notes.append(Note("enum", {"text": part, "allowed": [f.title_zh for f in schema.factors]}))
        elif fid not in ids:
            ids.append(fid)
    return Normalized(ids, notes)
