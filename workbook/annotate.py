"""Write the annotated copy: the workbook as it was sent, each problem cell filled and commented, and a
results sheet at the front that lists every problem with a link to its cell."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from .validate import Issue

FILLS = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}
TITLES = {"zh": "校验结果", "en": "Validation"}
HEADERS = {"zh": ["级别", "工作表", "单元格", "字段", "记录", "填写的值", "说明"],
           "en": ["Severity", "Sheet", "Cell", "Field", "Record", "Value", "Message"]}
SEVERITY = {"zh": {"error": "错误", "warning": "警告"}, "en": {"error": "Error", "warning": "Warning"}}


def _text(cell, value) -> None:
    """Set a cell to text that never turns into a formula."""
    cell.value = None if value is None else str(value)
    if cell.value is not None:
        cell.data_type = "s"


def annotate(source: str, target: str, issues: list[Issue], lang: str) -> None:
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
        text = "\n".join(f"[{SEVERITY[lang][i.severity]}] {i.message}" for i in found)
        cell.comment = Comment(text, "cluster-wb", width=320, height=140)
    title = TITLES[lang]
    if title in wb.sheetnames:
        del wb[title]
    ws = wb.create_sheet(title, 0)
    for col, h in enumerate(HEADERS[lang], start=1):
        c = ws.cell(row=1, column=col, value=h)
        c.font = Font(bold=True)
    for r, i in enumerate(issues, start=2):
        values = [SEVERITY[lang][i.severity], i.sheet, i.cell, i.field, i.record, i.value, i.message]
        for col, v in enumerate(values, start=1):
            _text(ws.cell(row=r, column=col), v)
        ws.cell(row=r, column=1).fill = FILLS[i.severity]
        if i.sheet and i.cell and i.sheet in wb.sheetnames:
            link = ws.cell(row=r, column=3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{i.sheet}'!{i.cell}", display=i.cell)
            link.font = Font(color="0563C1", underline="single")
    for col, width in zip("ABCDEFG", (8, 18, 8, 14, 10, 18, 80), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    wb.save(target)
