"""Approximate figures as kinds, not one flag: the text's 1100多家 is a lower bound, 近30亿元 an upper one, 约95 a
figure about so, 5至6个 a range. A record keeps them per field, `{field: {"kind": KIND, "high": number|None}}`
(the stored value is the figure, or a range's low bound; `high` is a range's high bound). Stores and datasets
from before kept a list of field names: one flag, read as "about". Pure: no store, no files."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from workbook.core.messages import t

KINDS = ("about", "at_least", "at_most", "range")


def mark(kind: str, high: Any = None) -> dict[str, Any]:
    """One field's mark in the contract's shape."""
    return {"kind": kind, "high": high if kind == "range" else None}


def approx_marks(marks: Any) -> dict[str, dict[str, Any]]:
    """A record's `approx` as {field: mark}, whatever shape it was written in: the list of names of store format 5
    and older datasets (each "about"), a mapping of fields to a kind name, or to the contract's mark."""
    if not marks:
        return {}
    if isinstance(marks, dict):
        out = {}
        for key, m in marks.items():
            if isinstance(m, dict):
                kind = m.get("kind") if m.get("kind") in KINDS else "about"
                out[key] = mark(kind, m.get("high"))
            else:
                out[key] = mark(m if m in KINDS else "about")
        return out
    return {str(key): mark("about") for key in marks}


def sum_kind(kinds: Iterable[str | None]) -> str | None:
    """What a sum of figures is, from their kinds: exact where all are; at least where every approximate part is
    a lower bound (a range's stored value is its low bound); at most where every one is an upper bound; about
    otherwise."""
    found = {k for k in kinds if k}
    if not found:
        return None
    if found <= {"at_least", "range"}:
        return "at_least"
    if found == {"at_most"}:
        return "at_most"
    return "about"


def _literal(text: str) -> str:
    return '"' + text.replace('"', "") + '"'


def _shown(number: Any, percent: bool, base: str) -> str:
    """A range's high bound as the cell shows its low one: the decimals of the field's format (`#,##0.00`: 6.00,
    `0.0%`: 6.0%), as many as it has where the format has none of its own (General)."""
    decimals = re.search(r"\.(0+)", base)
    if decimals:
        text = f"{number:,.{len(decimals.group(1))}f}"
    else:
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        text = f"{number:,}"
    return text + "%" if percent else text


def number_format(base: str, m: dict[str, Any], lang: str, *, percent: bool = False) -> str:
    """An Excel number format that shows the kind around the figure and keeps the cell a number: zh 1,100多 /
    近30 / 约95 / 5至6 (以上 after a share), en ≥1,100 / ≤30 / ≈95 / 5–6. A range's high bound is written into
    the format as text: a cell holds one number, and Excel has no other way to show a second one in it."""
    kind = m.get("kind")
    if kind == "range":
        high = m.get("high")
        if high is None:
            return _literal(t("approx_about", lang)) + base
        return base + _literal(t("approx_range", lang) + _shown(high, percent, base))
    if kind == "at_least" and lang == "zh":  # a word after the figure, as the text writes it
        return base + _literal(t("approx_at_least_share" if percent else "approx_at_least", lang))
    key = {"at_least": "approx_at_least", "at_most": "approx_at_most"}.get(kind or "", "approx_about")
    return _literal(t(key, lang)) + base


def kind_label(kind: str | None, lang: str) -> str | None:
    """A kind as a word of `lang` (the analysts' export and frames)."""
    return t(f"approx_kind_{kind}", lang) if kind in KINDS else None


def kind_labels(lang: str) -> tuple[str, ...]:
    return tuple(t(f"approx_kind_{k}", lang) for k in KINDS)
