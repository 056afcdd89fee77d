"""Write the annotated copy: the workbook as it was sent, each problem cell filled and commented, and a
results sheet at the front that lists every problem with a link to its cell."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.properties import PageSetupProperties

from workbook.core.messages import (
    ANNOTATION_HEADERS,
    ANNOTATION_NEXT_STEP,
    ANNOTATION_SUMMARY,
    ANNOTATION_TITLE,
    SEVERITY_WORDS,
)
from workbook.returns.validate import Issue
from workbook.xlsx.build import row_height

FILLS = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}


WIDTHS = (7, 16, 7, 16, 9, 16, 70)


HEADER_ROW = 4


FONT = "Noto Sans CJK SC"  # the workbook's own font: CJK text prints with it in every application


def _text(cell, value) -> None:
    """Set a cell to text that never turns into a formula."""
    cell.value = None if value is None else str(value)
    if cell.value is not None:
        cell.data_type = "s"


def annotate(source: str, target: str, issues: list[Issue], lang: str,
             column_titles: dict[tuple[str, str], str] | None = None, name: str | None = None) -> None:
    """`column_titles`: (sheet title, field key) -> the column's header as the workbook shows it, so that the
    list names the column the official sees rather than the field's key. `name`: the file as the official knows
    it, where `source` is a copy under another name (an upload)."""
    titles = column_titles or {}
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    if Path(source).resolve() != Path(target).resolve():
        shutil.copyfile(source, target)
    wb = openpyxl.load_workbook(target)
    notes: dict[tuple[str, str], list[Issue]] = {}
    for i in issues:
        if i.sheet and i.cell and i.sheet in wb.sheetnames:
            notes.setdefault((i.sheet, i.cell), []).append(i)
    for (sheet, ref), found in notes.items():
        cell = wb[sheet][ref]
        worst = "error" if any(i.severity == "error" for i in found) else "warning"
        cell.fill = FILLS[worst]
        text = "\n".join(f"[{SEVERITY_WORDS[lang][i.severity]}] {i.message}" for i in found)
        cell.comment = Comment(text, "cluster-wb", width=320, height=140)
    title = ANNOTATION_TITLE[lang]
    if title in wb.sheetnames:
        del wb[title]
    ws = wb.create_sheet(title, 0)
    errors = sum(1 for i in issues if i.severity == "error")
    warnings = len(issues) - errors
    ws["A1"] = ANNOTATION_SUMMARY[lang].format(name=Path(name or source).name, errors=errors, warnings=warnings)
    ws["A1"].font = Font(name=FONT, bold=True, size=13, color="1F4E79")
    ws["A2"].font = Font(name=FONT, size=10)
    ws["A2"] = ANNOTATION_NEXT_STEP[lang]["error" if errors else "warning" if warnings else "ok"]
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(WIDTHS))
    ws.row_dimensions[2].height = row_height([(ws["A2"].value, sum(WIDTHS))])
    for col, h in enumerate(ANNOTATION_HEADERS[lang], start=1):
        c = ws.cell(row=HEADER_ROW, column=col, value=h)
        c.font = Font(name=FONT, bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor="1F4E79")
    wrap = Alignment(wrap_text=True, vertical="top")
    body = Font(name=FONT, size=10)
    for r, i in enumerate(issues, start=HEADER_ROW + 1):
        column = titles.get((i.sheet or "", i.field or ""), i.field) if i.field else None
        values = [SEVERITY_WORDS[lang][i.severity], i.sheet, i.cell, column, i.record, i.value, i.message]
        for col, v in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col)
            _text(cell, v)
            cell.alignment = wrap
            cell.font = body
        ws.cell(row=r, column=1).fill = FILLS[i.severity]
        if i.sheet and i.cell and i.sheet in wb.sheetnames:
            link = ws.cell(row=r, column=3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{i.sheet}'!{i.cell}", display=i.cell)
            link.font = Font(name=FONT, size=10, color="0563C1", underline="single")
        ws.row_dimensions[r].height = row_height(
            [(None if v is None else str(v), w) for v, w in zip(values, WIDTHS, strict=True)], most=12)
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    # printed: A4 landscape, one page wide, the header row on every page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.left.text = title
    ws.oddFooter.right.text = "&P / &N"
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    wb.save(target)
