"""A record's source, as the workbook shows it: the dataset keeps it as the seed document cites itself (`第二篇 绍兴市
§一.1`: article, place, sections), which is read out of that text and said again in the workbook's language
(`Article 2, Shaoxing, §1.1`). The quotes stay verbatim: they are the evidence; the source says where it stands."""

from __future__ import annotations

import re

from workbook.core.messages import SOURCE_WORDS
from workbook.template.model import Field

_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_LABEL = re.compile(r"^第([一二三四五六七八九十]+|\d+)篇(?:\s+(\S+))?(?:\s+(.+))?$")
_SECTION = re.compile(r"§([一二三四五六七八九十\d]+(?:\.[一二三四五六七八九十\d]+)*)")


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 1:
        return _NUMERALS[text]
    tens, _, ones = text.partition("十")  # 十一 11, 二十 20, 二十三 23
    return (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[ones] if ones else 0)


def _part(part: str, lang: str) -> str:
    """One cited part of an article in English: §一.1 → §1.1, 引言 → introduction, “发展现状” → “Current state”."""
    part = part.strip()
    if part.startswith("§"):
        return _SECTION.sub(lambda m: "§" + ".".join(str(_number(p)) for p in m.group(1).split(".")), part)
    heading = part.strip("“”\"")
    words = SOURCE_WORDS["parts"].get(heading)
    if words is None:
        return part  # a heading without its English: shown as the text has it
    return f"“{words[lang]}”" if part.startswith("“") else words[lang]


def source_label(source: str | None, lang: str, places: dict[str, str] | None = None) -> str | None:
    """The source as the workbook shows it in `lang`; Chinese is the stored text itself. `places`: a place's
    Chinese name → its English (the regions'); a place without one stays as written. A text that is not a
    citation of the document's form is shown as it is."""
    if lang != "en" or not source:
        return source
    m = _LABEL.match(source.strip())
    if m is None:
        return source
    article, place, parts = m.groups()
    shown = [SOURCE_WORDS["article"][lang].format(n=_number(article))]
    if place:
        shown.append((places or {}).get(place, place))
    if parts:
        shown.append(", ".join(_part(p, lang) for p in re.split(r"[、，,]", parts) if p.strip()))
    return ", ".join(shown)


def is_source(f: Field) -> bool:
    """A record's read-only source column, shown by `source_label`."""
    return f.key == "source" and not f.editable


def shows_source(theirs: object, stored: str | None, places: dict[str, str]) -> bool:
    """A source cell as returned holds the stored source, in either language the workbook may be built in."""
    return theirs == stored or (isinstance(theirs, str) and theirs == source_label(stored, "en", places))
