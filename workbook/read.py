"""Read a returned workbook into plain data: cells by row, metadata, names. No interpretation here.

This is the only module of the round trip that touches the file. openpyxl reads formulas as text, so a
formula in a data cell is seen as one; only when there is one is the file read a second time for the
cached values.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from .build import LISTS_SHEET, META_SHEET


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
    if not zipfile.is_zipfile(path):
        raise ReadError(f"{path}: not an .xlsx workbook (not a zip package). Save it from Excel, WPS or "
                        "LibreOffice as “Excel Workbook (.xlsx)” and try again.")
    try:
        wb = openpyxl.load_workbook(path, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise ReadError(f"{path}: cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc}). "
                        "Open it in Excel, WPS or LibreOffice and save it again as .xlsx.") from None
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
        rows = []
        formulas = {}
        for row in ws.iter_rows():
            values = []
            for cell in row:
                v = cell.value
                if isinstance(v, str) and v.startswith("=") and cell.data_type == "f":
                    formulas[(cell.row, cell.column - 1)] = (v, None)
                    need_cached = True
                elif v is not None and type(v).__name__ in ("ArrayFormula", "DataTableFormula"):
                    formulas[(cell.row, cell.column - 1)] = (str(getattr(v, "text", v)), None)
                    need_cached = True
                    v = None
                values.append(v)
            if row and not all(_blank(v) for v in values):
                rows.append((row[0].row, tuple(values)))
        sheets.append(RawSheet(ws.title, ws.sheet_state, rows, formulas, [str(r) for r in ws.merged_cells.ranges]))
    epoch1904 = getattr(wb, "epoch", None) == datetime(1904, 1, 1)
    wb.close()
    if need_cached:
        cached = openpyxl.load_workbook(path, data_only=True)
        for sheet in sheets:
            if sheet.formulas and sheet.title in cached.sheetnames:
                ws = cached[sheet.title]
                for (r, c), (text, _) in list(sheet.formulas.items()):
                    sheet.formulas[(r, c)] = (text, ws.cell(row=r, column=c + 1).value)
        cached.close()
    return RawWorkbook(str(path), file_sha256(path), props, meta, meta_sheets, names, sheets, epoch1904)
