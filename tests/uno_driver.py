"""Edit a workbook in a real LibreOffice Calc through its UNO API, as an official does with Calc's menus.

Run with the Python that has LibreOffice's `uno` module (Debian's python3-uno: /usr/bin/python3), not the
project's virtual environment:

    python3 tests/uno_driver.py IN.xlsx OUT.xlsx OPS.json

OPS.json is a list of operations, applied in order to the document as loaded (sheet protection as issued):

    {"op": "sort", "sheet": NAME, "rows": [FIRST, LAST], "cols": [FIRST, LAST], "by": COL, "descending": true}
        Data ▸ Sort over the cell block (1-based rows, 0-based columns), by one column of the sheet
    {"op": "remove_rows", "sheet": NAME, "row": ROW, "count": N}     Sheet ▸ Delete Rows
    {"op": "insert_rows", "sheet": NAME, "row": ROW, "count": N}     Sheet ▸ Insert Rows Above
    {"op": "copy_rows", "sheet": NAME, "from": ROW, "to": ROW, "count": N, "to_sheet": NAME, "cols": [C1, C2]}
        copy N rows (whole rows, or columns C1..C2 of them) and paste them over other rows, of the same sheet or
        of another
    {"op": "set", "sheet": NAME, "cell": "J5", "value": 3 | "text"}  type a value into a cell

NAME is a sheet's title or a workbook-level defined name that points at it (`_cwb_inventory_XC`). The result
is saved as .xlsx with Calc's "Calc MS Excel 2007 XML" filter. It prints one JSON line: what each operation did
({"op", "ok", "error"}), so that the caller sees a refusal (a protected sheet) as Calc reports it.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import uno  # noqa: I001 - LibreOffice's module, present only in the Python it ships for
from com.sun.star.beans import PropertyValue
from com.sun.star.table import CellAddress, TableSortField


def _prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _connect(port, proc, timeout=90.0):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("LibreOffice did not start") from None
            time.sleep(0.3)


def _sheet(doc, name):
    if doc.Sheets.hasByName(name):
        return doc.Sheets.getByName(name)
    named = doc.NamedRanges
    if named.hasByName(name):
        return named.getByName(name).getReferredCells().getSpreadsheet()
    raise KeyError(f"no sheet or defined name {name}")


def _sort(doc, op):
    sheet = _sheet(doc, op["sheet"])
    first_row, last_row = op["rows"]
    first_col, last_col = op["cols"]
    block = sheet.getCellRangeByPosition(first_col, first_row - 1, last_col, last_row - 1)
    field = TableSortField()
    field.Field = op["by"] - first_col  # relative to the block, as the sort dialog counts
    field.IsAscending = not op.get("descending", False)
    descriptor = list(block.createSortDescriptor())
    for p in descriptor:
        if p.Name == "SortFields":
            p.Value = uno.Any("[]com.sun.star.table.TableSortField", (field,))
        elif p.Name == "ContainsHeader":
            p.Value = bool(op.get("header", False))
    before = block.getDataArray()
    uno.invoke(block, "sort", (tuple(descriptor),))
    if block.getDataArray() == before and op.get("must_change", True):
        raise RuntimeError("the sort changed nothing (refused by the sheet's protection?)")


def _copy_rows(doc, op):
    source = _sheet(doc, op["sheet"])
    target = _sheet(doc, op.get("to_sheet", op["sheet"]))
    count = op.get("count", 1)
    first_col, last_col = op.get("cols", (0, 1023))
    block = source.getCellRangeByPosition(first_col, op["from"] - 1, last_col, op["from"] - 2 + count)
    dest = CellAddress()
    dest.Sheet = target.getRangeAddress().Sheet
    dest.Column = first_col
    dest.Row = op["to"] - 1
    source.copyRange(dest, block.getRangeAddress())


def _set(doc, op):
    cell = _sheet(doc, op["sheet"]).getCellRangeByName(op["cell"])
    if isinstance(op["value"], (int, float)):
        cell.setValue(op["value"])
    else:
        cell.setString(op["value"])


def _apply(doc, op):
    kind = op["op"]
    if kind == "sort":
        _sort(doc, op)
    elif kind == "remove_rows":
        _sheet(doc, op["sheet"]).getRows().removeByIndex(op["row"] - 1, op.get("count", 1))
    elif kind == "insert_rows":
        _sheet(doc, op["sheet"]).getRows().insertByIndex(op["row"] - 1, op.get("count", 1))
    elif kind == "copy_rows":
        _copy_rows(doc, op)
    elif kind == "set":
        _set(doc, op)
    else:
        raise ValueError(f"unknown operation {kind}")


def main(argv):
    source, target, ops_file = (os.path.abspath(a) for a in argv[1:4])
    with open(ops_file, encoding="utf-8") as fh:
        ops = json.load(fh)
    profile = tempfile.mkdtemp(prefix="cwb-uno-")
    port = _free_port()
    proc = subprocess.Popen(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--invisible", "--norestore",
         "--nologo", "--nodefault", f"--accept=socket,host=127.0.0.1,port={port};urp;"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    done = []
    try:
        ctx = _connect(port, proc)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0,
                                           (_prop("Hidden", True),))
        for op in ops:
            try:
                _apply(doc, op)
                done.append({"op": op["op"], "ok": True, "error": None})
            except Exception as exc:  # a refusal is a result here, reported to the caller
                done.append({"op": op["op"], "ok": False, "error": f"{type(exc).__name__}: {exc}"})
        doc.storeToURL(uno.systemPathToFileUrl(target), (_prop("FilterName", "Calc MS Excel 2007 XML"),))
        doc.close(True)
        with contextlib.suppress(Exception):  # the bridge goes down with the office
            desktop.terminate()
    finally:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    print(json.dumps(done, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
