"""Read a returned workbook into plain data: cells by row, metadata, names. No interpretation here.

This is the only module of the round trip that touches the file. openpyxl reads formulas as text, so a
formula in a data cell is seen as one; only when there is one is the file read a second time for the
cached values.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl

from .build import LISTS_SHEET, META_SHEET
from .guard import Refused, check_file


class ReadError(Exception):
    """The file cannot be read as a workbook (exit code 2)."""


@dataclass
class RawSheet:
    title: str
    state: str
    rows: list[tuple[int, tuple[Any, ...]]]  # (1-based row number, values from column A), blank rows dropped
    formulas: dict[tuple[int, int], tuple[str, Any]] = field(default_factory=dict)  # (row, col0) -> (text, cached)
    merged: list[str] = field(default_factory=list)


@dataclass
class RawWorkbook:
    path: str
    sha256: str
    props: dict[str, str]
    meta: dict[str, str]
    meta_sheets: list[dict[str, str]]
    names: dict[str, str]  # defined name -> sheet title it points at
    sheets: list[RawSheet]
    epoch1904: bool = False


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def read_workbook(path: str | Path) -> RawWorkbook:
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: no such file.")
    try:
        check_file(path)
    except Refused as exc:
        raise ReadError(str(exc)) from None
    try:
        return _read(path)
    except ReadError:
        raise
    except MemoryError:
        raise ReadError(f"{path}: too large to read in this machine's memory; split it by region.") from None
    except Exception as exc:  # noqa: BLE001 - whatever a damaged file makes the parser raise, it is unreadable
        raise ReadError(f"{path}: cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc}). "
                        "Open it in Excel, WPS or LibreOffice and save it again as .xlsx.") from None


def _rows_of(ws) -> tuple[list[tuple[int, tuple[Any, ...]]], dict[tuple[int, int], tuple[str, Any]]]:
    """Non-blank rows from the cells that exist (never the whole rectangle a stray cell would span)."""
    by_row: dict[int, dict[int, Any]] = {}
    formulas: dict[tuple[int, int], tuple[str, Any]] = {}
    for (r, c), cell in ws._cells.items():  # openpyxl keeps cells sparse; iter_rows would fill the gaps
        v = cell.value
        if v is None:
            continue
        if cell.data_type == "f" or type(v).__name__ in ("ArrayFormula", "DataTableFormula"):
            formulas[(r, c - 1)] = (str(getattr(v, "text", v)), None)
            v = None
        by_row.setdefault(r, {})[c - 1] = v
    rows = []
    for r in sorted(by_row):
        cells = by_row[r]
        # a formula cell counts as content even though its value waits for the cached read
        if all(_blank(v) for v in cells.values()) and not any((r, c) in formulas for c in cells):
            continue
        values = [None] * (max(cells) + 1)
        for c, v in cells.items():
            values[c] = v
        rows.append((r, tuple(values)))
    return rows, formulas


def _read(path: Path) -> RawWorkbook:
    wb = openpyxl.load_workbook(path, data_only=False)
    props = {}
    try:
        for p in wb.custom_doc_props.props:
            props[p.name] = p.value
    except Exception:  # noqa: BLE001 - custom properties are a second copy; their loss is reported later
        props = {}
    names = {}
    for name, dn in wb.defined_names.items():
        try:
            dests = list(dn.destinations)
        except Exception:  # noqa: BLE001 - a name that points nowhere (#REF!) is simply not a sheet link
            continue
        if dests:
            names[name] = dests[0][0]
    meta: dict[str, str] = {}
    meta_sheets: list[dict[str, str]] = []
    sheets: list[RawSheet] = []
    need_cached = False
    for ws in wb.worksheets:
        if ws.title == META_SHEET:
            for row in ws.iter_rows(values_only=True):
                if not row or row[0] is None:
                    continue
                if row[0] == "sheet" and len(row) >= 4:
                    meta_sheets.append({"name": str(row[1]), "kind": str(row[2]), "region": str(row[3])})
                elif len(row) >= 2:
                    meta[str(row[0])] = "" if row[1] is None else str(row[1])
            continue
        if ws.title == LISTS_SHEET:
            continue
        rows, formulas = _rows_of(ws)
        need_cached = need_cached or bool(formulas)
        sheets.append(RawSheet(ws.title, ws.sheet_state, rows, formulas, [str(r) for r in ws.merged_cells.ranges]))
    epoch1904 = getattr(wb, "epoch", None) == datetime(1904, 1, 1)
    wb.close()
    if need_cached:
        cached = openpyxl.load_workbook(path, data_only=True)
        for sheet in sheets:
            if sheet.formulas and sheet.title in cached.sheetnames:
                ws = cached[sheet.title]
                for (r, c), (text, _) in list(sheet.formulas.items()):
                    cell = ws.cell(row=r, column=c + 1)
                    value = cell.value
                    if cell.hyperlink is not None and value == cell.hyperlink.target:
                        value = None  # openpyxl fills an empty value with the link's target: not a result
                    sheet.formulas[(r, c)] = (text, value)
        cached.close()
    return RawWorkbook(str(path), file_sha256(path), props, meta, meta_sheets, names, sheets, epoch1904)
