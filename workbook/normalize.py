"""Turn what people type into stored values, tolerantly, with a note wherever a guess was made.

Pure functions: a schema field and a raw cell value in, a value and notes out. Handles full-width
characters, spaces, thousands separators, 万/亿, units, 约/近/余/多/以上, percentages typed three ways,
dates in many spellings and both Excel date systems, enum labels of either language and synonyms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from .messages import ISSUE_MESSAGES
from .schema import LIST_SEPARATORS, Field, Schema, fold

UNKNOWN_WORDS = {fold(w) for w in ("不详", "未知", "无", "暂无", "无数据", "—", "——", "-", "--", "/", "?", "？",
                                   "n/a", "na", "unknown", "null", "none", "不清楚", "待定", "待补充", "x")}
PREFIX_QUALIFIERS = ("大约", "接近", "超过", "约", "近", "逾", "超", "大概", "about", "approx.", "approx", "~", "≈")
SUFFIX_QUALIFIERS = ("左右", "以上", "上下", "余", "多", "+")
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
    approximate: bool = False


def _clean_text(raw: Any) -> str:
    text = str(raw).replace("\u00a0", " ").replace("\u3000", " ").replace("\u200b", "")
    return text.strip()


def _as_number_text(text: str) -> str:
    """Half-width digits and signs, no spaces or thousands separators."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(text.split())
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", text).replace(",", "")


def parse_number(raw: Any, f: Field) -> Normalized:
    """A number in the field's unit, from a number or from text such as `３.２万`, `1100多家`, `近30亿元`."""
    if isinstance(raw, bool):
        return Normalized(None, [Note("type", {"expected": f.type})])
    if isinstance(raw, (int, float)):
        return Normalized(_tidy(raw) if isinstance(raw, float) else raw)
    text = _clean_text(raw)
    if fold(text) in UNKNOWN_WORDS:
        return Normalized(None, [Note("unknown_value", {"text": text})])
    s = _as_number_text(text)
    approx = False
    for q in PREFIX_QUALIFIERS:
        if s.lower().startswith(q):
            s, approx = s[len(q):], True
            break
    changed = True
    while changed:
        changed = False
        for q in SUFFIX_QUALIFIERS:
            if s.endswith(q):
                s, approx, changed = s[: -len(q)], True, True
    m = re.fullmatch(r"([-+]?\d+(?:\.\d+)?)(万亿|亿|千万|百万|万|千)?(.*)", s)
    if not m:
        return Normalized(None, [Note("type", {"expected": f.type, "text": text})])
    number_text, magnitude, rest = m.groups()
    for q in SUFFIX_QUALIFIERS + ("以上", "左右"):
        if q in rest:
            rest, approx = rest.replace(q, ""), True
    try:
        n = Decimal(number_text)
    except InvalidOperation:
        return Normalized(None, [Note("type", {"expected": f.type, "text": text})])
    unit = rest.strip()
    notes: list[Note] = []
    if f.type == "percent":
        if unit not in ("", "%"):
            return Normalized(None, [Note("unit", {"text": text, "unit": "%"})])
        value = float(n * Decimal(MAGNITUDES[magnitude])) if magnitude else float(n)
        if unit == "":
            notes.append(Note("percent_guess", {"text": text, "value": value}))
            if 0 < value <= 1 and "." in number_text:
                value *= 100
        return Normalized(_tidy(value), notes, approx)
    field_unit = f.unit or ""
    scale = UNIT_SCALE.get(field_unit)
    if scale is not None:
        # money: whatever magnitude and unit were typed, bring it to the field's unit (亿元)
        if unit and unit not in UNIT_SCALE:
            return Normalized(None, [Note("unit", {"text": text, "unit": field_unit})])
        if not magnitude and unit in ("", field_unit):
            value = n
        else:
            mult = Decimal(MAGNITUDES[magnitude]) if magnitude else Decimal(1)
            typed = Decimal(UNIT_SCALE[unit]) if unit else Decimal(1)
            value = n * mult * typed / Decimal(scale)
    else:
        if unit and field_unit and unit not in UNIT_WORDS.get(field_unit, {field_unit}):
            return Normalized(None, [Note("unit", {"text": text, "unit": field_unit or "—"})])
        value = n * Decimal(MAGNITUDES[magnitude]) if magnitude else n
    return Normalized(_tidy(float(value)), notes, approx)


def _tidy(value: float) -> int | float:
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
    text = _clean_text(raw)
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
    text = _clean_text(raw) if not isinstance(raw, (int, float)) else raw
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


def normalize_value(schema: Schema, f: Field, raw: Any, epoch1904: bool = False) -> Normalized:
    """The stored value for a raw cell value of field `f`."""
    if raw is None or (isinstance(raw, str) and not _clean_text(raw)):
        return Normalized(None)
    t = f.type
    if t in ("id", "cluster_ref"):
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        return Normalized(unicodedata.normalize("NFKC", _clean_text(raw)).upper())
    if t in ("string", "text"):
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, (datetime, date)):
            raw = raw.date().isoformat() if isinstance(raw, datetime) else raw.isoformat()
        return Normalized(_clean_text(raw))
    if t == "severity":
        if isinstance(raw, str):
            num = parse_number(raw, f)
            if num.value is None and not any(n.code == "unknown_value" for n in num.notes):
                return parse_enum(schema, f, raw)
            raw = num.value
            if raw is None:
                return num
        return _whole(raw, f)
    if t in ("integer", "number"):
        out = parse_number(raw, f)
        if out.approximate:
            out.notes.append(Note("approximate", {"text": _clean_text(raw), "value": out.value}))
        if t == "integer" and out.value is not None:
            whole = _whole(out.value, f)
            whole.notes = out.notes + whole.notes
            return whole
        return out
    if t == "percent":
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            # the workbook stores fractions with a % format; a plain 80 pasted in means 80 %
            if 0 <= raw <= 1:
                return Normalized(_tidy(raw * 100))
            return Normalized(_tidy(float(raw)), [Note("percent_guess", {"text": str(raw), "value": raw})])
        out = parse_number(raw, f)
        if out.approximate:
            out.notes.append(Note("approximate", {"text": _clean_text(raw), "value": out.value}))
        return out
    if t == "date":
        return parse_date(raw, epoch1904)
    if t == "enum":
        return parse_enum(schema, f, raw)
    if t == "boolean":
        key = fold(_clean_text(raw)) if not isinstance(raw, bool) else ("y" if raw else "n")
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            key = "1" if raw else "0"
        if key in TRUE_WORDS:
            return Normalized(True)
        if key in FALSE_WORDS:
            return Normalized(False)
        return Normalized(None, [Note("enum", {"text": _clean_text(raw), "allowed": ["是", "否"]})])
    if t == "factor_list":
        return _factor_list(schema, raw)
    if t == "cluster_list":
        items = [unicodedata.normalize("NFKC", p).strip().upper() for p in LIST_SPLIT.split(_clean_text(raw))]
        return Normalized([p for p in items if p] or None)
    return Normalized(_clean_text(raw))


def _whole(value: Any, f: Field) -> Normalized:
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


def _factor_list(schema: Schema, raw: Any) -> Normalized:
    titles = _factor_titles(schema)
    ids, notes = [], []
    for part in LIST_SPLIT.split(_clean_text(raw)):
        part = part.strip()
        if not part:
            continue
        fid = titles.get(fold(part))
        if fid is None:
            notes.append(Note("enum", {"text": part, "allowed": [f.title_zh for f in schema.factors]}))
        elif fid not in ids:
            ids.append(fid)
    return Normalized(ids, notes)


def make_converter(schema: Schema, f: Field, epoch1904: bool = False) -> Callable[[Any], Any]:
    """A converter for one column: the common, unambiguous cells answered directly, the rest through
    `normalize_value`. It returns the stored value, or a `Normalized` when there is more to say."""
    t = f.type

    def slow(raw: Any) -> Normalized:
        return normalize_value(schema, f, raw, epoch1904)

    if t in ("string", "text"):
        def text(raw: Any) -> Any:
            if type(raw) is str and "\u00a0" not in raw and "\u3000" not in raw and "\u200b" not in raw:
                return raw.strip() or None
            return slow(raw)
        return text
    if t in ("id", "cluster_ref"):
        def ident(raw: Any) -> Any:
            if type(raw) is str and raw.isascii() and raw == raw.strip().upper():
                return raw or None
            return slow(raw)
        return ident
    if t in ("integer", "severity"):
        def whole(raw: Any) -> Any:
            kind = type(raw)
            if kind is int:
                return raw
            if kind is float and raw.is_integer():
                return int(raw)
            return slow(raw)
        return whole
    if t == "number":
        def number(raw: Any) -> Any:
            kind = type(raw)
            if kind is int:
                return raw
            if kind is float:
                return _tidy(raw)
            return slow(raw)
        return number
    if t == "percent":
        def percent(raw: Any) -> Any:
            if type(raw) in (float, int) and 0 <= raw <= 1:
                return _tidy(raw * 100)
            return slow(raw)
        return percent
    if t == "date":
        def day(raw: Any) -> Any:
            kind = type(raw)
            if kind is date:
                return raw.isoformat()
            if kind is datetime:
                return raw.date().isoformat()
            return slow(raw)
        return day
    if t == "cluster_list":
        def ids(raw: Any) -> Any:
            if type(raw) is str and raw.isascii() and "\u00a0" not in raw:
                return [p for p in (part.strip().upper() for part in LIST_SPLIT.split(raw)) if p] or None
            return slow(raw)
        return ids
    if t in ("enum", "boolean", "factor_list"):
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
    return slow
