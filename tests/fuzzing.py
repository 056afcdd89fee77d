"""Random mutations of a built workbook: bytes, XML nodes, cell values and types, sheet structure.

Deterministic for a seed. Used by the CI fuzz test (a bounded count) and by `scripts/fuzz.py` (long runs).
"""

from __future__ import annotations

import random
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import openpyxl

VALUES: list = [
    None, "", " ", "0", "-1", "1e308", "NaN", "３.２万", "3.2万余人", "不详", "—", "约", "万", "亿元", "80%", "0.8",
    "2026年13月45日", "2026.12", "完成", "Done", "是", "✓", "XC-C04", "XC-C99", "SX-C01", "=1+1", "=1/0",
    "=HYPERLINK(\"http://127.0.0.1:9\")", "@SUM(A1)", "+1", "<script>", "'", "\"", "\\", "%s%s%n", "{0}", "{name}",
    "\u202e\u200b", "𠀀𠀁", "A" * 40000, 0, -5, 1.5, 10**15, 3.14159, 1e-12, True, False,
    date(2026, 12, 31), datetime(1900, 1, 1), date(1904, 1, 2),
]


def _sheets(wb: openpyxl.Workbook) -> list:
    return [ws for ws in wb.worksheets if not ws.title.startswith("_cwb")] or wb.worksheets


def mutate_cells(src: Path, dst: Path, rng: random.Random) -> str:
    wb = openpyxl.load_workbook(src)
    notes = []
    for _ in range(rng.randint(1, 12)):
        ws = rng.choice(_sheets(wb))
        row = rng.randint(1, max(ws.max_row, 1) + 3)
        col = rng.randint(1, max(ws.max_column, 1) + 2)
        value = rng.choice(VALUES)
        ws.cell(row=row, column=col).value = value
        notes.append(f"{ws.title}!{row},{col}={str(value)[:20]!r}")
    wb.save(dst)
    return "cells " + "; ".join(notes)


def mutate_structure(src: Path, dst: Path, rng: random.Random) -> str:
    wb = openpyxl.load_workbook(src)
    ops: list[tuple[str, Callable[[], None]]] = []
    sheets = _sheets(wb)
    ws = rng.choice(sheets)
    ops.append(("delete sheet", lambda: wb.remove(ws)))
    ops.append(("rename sheet", lambda: setattr(ws, "title", f"表{rng.randint(1, 99)}")))
    ops.append(("move sheet", lambda: wb.move_sheet(ws, offset=rng.randint(-3, 3))))
    ops.append(("insert cols", lambda: ws.insert_cols(rng.randint(1, 5), rng.randint(1, 3))))
    ops.append(("delete cols", lambda: ws.delete_cols(rng.randint(1, 5), rng.randint(1, 3))))
    ops.append(("insert rows", lambda: ws.insert_rows(rng.randint(1, 5), rng.randint(1, 3))))
    ops.append(("delete rows", lambda: ws.delete_rows(rng.randint(1, 5), rng.randint(1, 3))))
    ops.append(("clear header", lambda: [setattr(c, "value", None) for c in ws[1]]))
    ops.append(("merge cells", lambda: ws.merge_cells(start_row=rng.randint(1, 4), start_column=rng.randint(1, 4),
                                                      end_row=rng.randint(5, 8), end_column=rng.randint(5, 8))))
    if "_cwb_meta" in wb.sheetnames:
        meta = wb["_cwb_meta"]
        ops.append(("drop meta sheet", lambda: wb.remove(meta)))
        ops.append(("tamper meta", lambda: setattr(meta.cell(row=rng.randint(1, 4), column=2), "value",
                                                   rng.choice(["x", "999", "", "WB-x", None]))))
    ops.append(("drop properties", lambda: setattr(wb.custom_doc_props, "props", [])))
    ops.append(("drop defined names", lambda: [wb.defined_names.pop(n) for n in list(wb.defined_names)
                                               if n.startswith("_cwb")]))
    chosen = rng.sample(ops, rng.randint(1, 3))
    for _, op in chosen:
        op()
    wb.save(dst)
    return "structure " + ", ".join(name for name, _ in chosen)


def mutate_bytes(src: Path, dst: Path, rng: random.Random) -> str:
    data = bytearray(src.read_bytes())
    kind = rng.choice(["flip", "truncate", "zero", "insert"])
    if kind == "flip":
        for _ in range(rng.randint(1, 20)):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        data = data[: rng.randrange(len(data))]
    elif kind == "zero":
        i = rng.randrange(len(data))
        data[i:i + rng.randint(1, 512)] = b"\0" * len(data[i:i + 512])
    else:
        i = rng.randrange(len(data))
        data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    dst.write_bytes(bytes(data))
    return f"bytes {kind}"


XML_EDITS = [
    (rb"<c [^>]*>.*?</c>", b""),                      # drop a cell
    (rb"<row [^>]*>", b"<row>"),                      # row without its number
    (rb' r="[A-Z]+[0-9]+"', b' r="ZZZ0"'),            # bad reference
    (rb' t="s"', b' t="n"'),                          # shared string read as number
    (rb' t="n"', b' t="e"'),
    (rb"<v>[^<]*</v>", b"<v>not a number</v>"),
    (rb"<v>[^<]*</v>", b"<v>99999999999999999999</v>"),
    (rb"<t[^>]*>[^<]*</t>", "<t>编号\u0000</t>".encode()),
    (rb"<definedName [^>]*>[^<]*</definedName>", b""),
    (rb"<sheet [^>]*/>", b""),                        # a sheet missing from the workbook part
    (rb"</worksheet>", b""),                          # unclosed root
    (rb"<dimension [^>]*/>", b'<dimension ref="A1:A1"/>'),  # the bogus dimension WPS writes
    (rb"<property [^>]*>.*?</property>", b""),
]


def mutate_xml(src: Path, dst: Path, rng: random.Random) -> str:
    with zipfile.ZipFile(src) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    candidates = [n for n in parts if n.endswith(".xml")]
    name = rng.choice(candidates)
    pattern, replacement = rng.choice(XML_EDITS)
    matches = list(re.finditer(pattern, parts[name], re.S))
    if matches:
        m = rng.choice(matches)
        parts[name] = parts[name][: m.start()] + replacement + parts[name][m.end():]
    elif rng.random() < 0.3:
        del parts[name]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return f"xml {name} {pattern[:30]!r}"


MUTATORS = [mutate_cells, mutate_cells, mutate_structure, mutate_bytes, mutate_xml, mutate_xml]


def mutate(src: Path, dst: Path, rng: random.Random) -> str:
    return rng.choice(MUTATORS)(src, dst, rng)
