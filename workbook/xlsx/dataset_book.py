"""The analysts' workbook (`export --format xlsx`): a sheet per entity across all regions and a sheet per round's
returns, each one Excel table (a ListObject: sortable, filterable, the source of a pivot table), and a 说明 sheet
that says what each column means, from the template. Not a return: `validate` and `merge` refuse it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from workbook.core.messages import t
from workbook.template.columns import Column
from workbook.template.field_types import cell_format
from workbook.xlsx.build import COLOURS
from workbook.xlsx.layout import DOCUMENT_PROPERTY

FONT = "Noto Sans CJK SC"
DOCUMENT_KIND = "dataset"  # a custom property that tells validate and merge this is not a return
SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Table:
    """One sheet: its title, the table's name, its columns and their cells (a list per column key)."""

    title: str
    name: str
    columns: list[Column]
    cells: dict[str, list[Any]]
    help: str = ""
    widths: dict[str, float] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)  # number formats by column key


def _sheet_name(title: str, taken: set[str]) -> str:
    base = SHEET_UNSAFE.sub("_", title).strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.casefold())
    return name


def _unique(headers: list[str]) -> list[str]:
    """An Excel table's headers must differ (case-insensitively)."""
    seen: set[str] = set()
    out = []
    for h in headers:
        name, n = h, 2
        while name.casefold() in seen:
            name, n = f"{h} ({n})", n + 1
        seen.add(name.casefold())
        out.append(name)
    return out


def write_dataset(tables: list[Table], path: Path, lang: str, *, revision: int, version: str) -> Path:
    """Write the workbook: 说明 first, then one table per sheet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    wb.set_custom_property(DOCUMENT_PROPERTY, DOCUMENT_KIND)
    base = {"font_name": FONT, "font_size": 10, "valign": "top"}
    header = wb.add_format({**base, "bold": True, "font_color": COLOURS["header_font"], "bg_color": COLOURS["header"],
                            "text_wrap": True, "valign": "vcenter"})
    plain = wb.add_format(base)
    formats: dict[str, Any] = {}

    def number_format(spec: str | None) -> Any:
        if not spec:
            return plain
        if spec not in formats:
            formats[spec] = wb.add_format({**base, "num_format": spec})
        return formats[spec]

    taken: set[str] = set()
    about = wb.add_worksheet(_sheet_name(t("sheet_instructions", lang), taken))
    names = [_sheet_name(tb.title, taken) for tb in tables]
    for tb, sheet_name in zip(tables, names, strict=True):
        ws = wb.add_worksheet(sheet_name)
        headers = _unique([c.title for c in tb.columns])
        rows = max((len(v) for v in tb.cells.values()), default=0)
        fmts = [number_format(tb.formats.get(c.key)) for c in tb.columns]
        ws.add_table(0, 0, max(rows, 1), len(tb.columns) - 1, {
            "name": tb.name, "style": "Table Style Medium 2",
            "columns": [{"header": h, "header_format": header, "format": f}
                        for h, f in zip(headers, fmts, strict=True)]})
        for col, (c, fmt) in enumerate(zip(tb.columns, fmts, strict=True)):
            _write_column(ws, col, tb.cells[c.key], fmt)
            ws.set_column(col, col, tb.widths.get(c.key, 12), fmt)
        ws.set_row(0, 30)
        ws.freeze_panes(1, 1)
    _write_about(wb, about, tables, names, lang, revision, version, header, plain)
    wb.close()
    return path


def _write_column(ws, col: int, values: list[Any], fmt: Any) -> None:
    """Write one column's cells by their kind: numbers as numbers, dates as dates, text as text."""
    write_number, write_string, write_datetime = ws.write_number, ws.write_string, ws.write_datetime
    for row, v in enumerate(values, start=1):
        if v is None:
            continue
        kind = type(v)
        if kind is str:
            write_string(row, col, v, fmt)
        elif kind is int or kind is float:
            write_number(row, col, v, fmt)
        elif kind is date or kind is datetime:
            write_datetime(row, col, v if kind is datetime else datetime(v.year, v.month, v.day), fmt)
        elif kind is bool:
            ws.write_boolean(row, col, v, fmt)
        else:
            write_string(row, col, str(v), fmt)


def _write_about(wb, ws, tables: list[Table], names: list[str], lang: str, revision: int, version: str,
                 header: Any, plain: Any) -> None:
    """The 说明 sheet: the store revision and template version, what the tables are, and a row per column."""
    bold = wb.add_format({"font_name": FONT, "font_size": 13, "bold": True, "font_color": COLOURS["title"]})
    wrap = wb.add_format({"font_name": FONT, "font_size": 10, "valign": "top", "text_wrap": True})
    ws.write_string(0, 0, t("exp_title", lang), bold)
    ws.write_string(1, 0, t("exp_revision", lang, rev=revision, version=version,
                            at=datetime.now().strftime("%Y-%m-%d %H:%M")), plain)
    ws.merge_range(2, 0, 2, 5, t("exp_about", lang), wrap)
    ws.set_row(2, 66)
    rows = []
    for tb, sheet_name in zip(tables, names, strict=True):
        if tb.help:
            rows.append([sheet_name, tb.name, "", "", "", tb.help])
        rows += [[sheet_name, tb.name, h, c.key, c.words, c.help]
                 for c, h in zip(tb.columns, _unique([c.title for c in tb.columns]), strict=True)]
    first = 4
    headers = t("exp_cols", lang).split("|")
    ws.add_table(first, 0, first + max(len(rows), 1), len(headers) - 1, {
        "name": "about", "style": "Table Style Light 9",
        "columns": [{"header": h, "header_format": header} for h in headers]})
    for i, row in enumerate(rows, start=first + 1):
        for j, v in enumerate(row):
            if v:
                ws.write_string(i, j, v, wrap)
    for col, width in enumerate((14, 14, 22, 18, 10, 60)):
        ws.set_column(col, col, width)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(first)


def column_format(c: Column) -> str | None:
    """A column's number format: the type table's for a field (its field's for a range's high bound),
    yyyy-mm-dd for any date."""
    f = c.field or c.high_of
    if f is not None and c.kind in ("integer", "number", "date"):
        return cell_format(f)["num_format"]
    return None
