"""The quicker cell and note writers write, part for part and byte for byte, what XlsxWriter itself writes.

The files compared are real: one written with XlsxWriter's own classes, one with ours, from the same
calls. A release of XlsxWriter that changes its XML makes these tests fail before it changes any file.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from workbook.services import workbooks
from workbook.store import open_store
from workbook.template.schema import load_schema
from workbook.xlsx import build
from workbook.xlsx.fastxml import DataWorkbook, DataWorksheet

FIXED = datetime(2026, 1, 2, 3, 4, 5)

# texts a quick path must either write as XlsxWriter does or leave to it
TEXTS = [
    "嵊州领带产业集群", "plain", " leading space", "trailing space ", "\u3000全角空格", "two\nlines",
    "ends with a newline\n", "tab\tinside", "a & b", "<tag>", 'say "so"', "it's", "_x0041_ looks escaped",
    "_x00ff_", "_X0041_ capital",
    "snake_case", "control\x01char", "carriage\rreturn", "odd \ufffe char", "<r>looks rich</r>", "=1+1",
    "😀 beyond the BMP", "x" * 300,
]
NUMBERS = [0, 1, -7, 3.2, 0.1 + 0.2, 1e-9, 123456789012345678, 2**53 + 1, -0.0, 1 / 3, 32000.5]


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _write_sample(path: Path, workbook_class, worksheet_class, constant_memory: bool) -> None:
    wb = workbook_class(str(path), {"constant_memory": constant_memory, "strings_to_numbers": False,
                                    "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": FIXED})
    styled = wb.add_format({"font_name": "Noto Sans CJK SC", "text_wrap": True, "num_format": "@"})
    number = wb.add_format({"num_format": "#,##0.00"})
    when = wb.add_format({"num_format": "yyyy-mm-dd"})
    wb.define_name("cwb_list", "=Sheet1!$A$1:$A$3")
    for _sheet in range(2):  # two sheets: the notes of each number their shapes on
        ws = wb.add_worksheet(worksheet_class=worksheet_class)
        ws.set_column(0, 3, 20, styled)
        row = 0
        for text in TEXTS:
            ws.set_row(row, 30)
            ws.write_string(row, 0, text, styled)
            ws.write_string(row, 1, text)  # without a format: XlsxWriter's own way, by the column's
            ws.write_comment(row, 2, text, {"x_scale": 3, "y_scale": 2.2, "font_name": "Noto Sans CJK SC",
                                            "visible": row % 5 == 0, "author": "审核" if row % 2 else None})
            row += 1
        for value in NUMBERS:
            ws.write_number(row, 0, value, number)
            ws.write_number(row, 1, value)
            ws.write_datetime(row, 2, datetime(2025, 6, 30), when)
            ws.write_boolean(row, 3, True, styled)
            row += 1
        ws.write_formula(row, 0, "=SUM(A20:A25)", number, 7)
        ws.write_formula(row, 1, "=cwb_list", styled, "x")
        ws.write_formula(row, 2, "=XLOOKUP(1,A1:A3,B1:B3)", styled, 0)
        ws.write_string(row, 800, "far right", styled)  # beyond the columns the quick path names
        ws.write_comment(row, 800, "a note far right")
        ws.data_validation(1, 0, 300, 0, {"validate": "list", "source": "=cwb_list"})
        ws.data_validation(1, 1, 300, 1, {"validate": "list", "source": "=OFFSET(cwb_list,0,0)"})
        ws.data_validation(1, 3, 300, 3, {"validate": "custom", "value": "=ISTEXT(CONCAT(D2))"})  # newer function
        ws.data_validation(1, 2, 300, 2, {"validate": "date", "criteria": "between",
                                          "minimum": date(1949, 1, 1), "maximum": date(2100, 12, 31)})
        ws.conditional_format(1, 3, 300, 3, {"type": "formula", "criteria": "=AND($C2<>\"\",$C2<TODAY())",
                                             "format": number})
    wb.close()


@pytest.mark.parametrize("constant_memory", [True, False], ids=["constant-memory", "shared-strings"])
def test_quick_writers_write_what_xlsxwriter_writes(tmp_path, constant_memory):
    ours, theirs = tmp_path / "ours.xlsx", tmp_path / "theirs.xlsx"
    _write_sample(ours, DataWorkbook, DataWorksheet, constant_memory)
    _write_sample(theirs, xlsxwriter.Workbook, Worksheet, constant_memory)
    ours_parts, their_parts = _parts(ours), _parts(theirs)
    assert list(ours_parts) == list(their_parts)
    assert any(name.startswith("xl/comments") for name in ours_parts)
    assert any(name.endswith(".vml") for name in ours_parts)
    for name, data in their_parts.items():
        assert ours_parts[name] == data, name


def _build_both(store: str, tmp_path: Path, monkeypatch, lang: str) -> tuple[dict[str, bytes], dict[str, bytes]]:
    st = open_store(store)
    data = workbooks.build_input(st, sorted(st.regions()), by="test", now=FIXED.astimezone())
    schema = load_schema()
    build.build_workbook(data, schema, tmp_path / "ours.xlsx", lang)
    with monkeypatch.context() as m:
        m.setattr(build, "DataWorkbook", xlsxwriter.Workbook)
        m.setattr(build, "DataWorksheet", Worksheet)
        build.build_workbook(data, schema, tmp_path / "theirs.xlsx", lang)
    return _parts(tmp_path / "ours.xlsx"), _parts(tmp_path / "theirs.xlsx")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_seed_workbook_is_what_xlsxwriter_alone_writes(env, tmp_path, monkeypatch, lang):
    env.build("first.xlsx")  # sets up the store from the bundled seed
    ours, theirs = _build_both(env.store, tmp_path, monkeypatch, lang)
    assert list(ours) == list(theirs)
    # the creation time XlsxWriter stamps is the moment of writing
    differing = [name for name in theirs if ours[name] != theirs[name]]
    assert differing in ([], ["docProps/core.xml"])
    assert any(name.startswith("xl/comments") for name in ours)


def test_a_synthetic_workbook_is_what_xlsxwriter_alone_writes(tmp_path, monkeypatch):
    from bench.synth import generate
    store = str(tmp_path / "store.sqlite")
    workbooks.init_with_dataset(store, generate(load_schema(), 3, 40), source="synthetic", by="test")
    ours, theirs = _build_both(store, tmp_path, monkeypatch, "zh")
    differing = [name for name in theirs if ours[name] != theirs[name]]
    assert list(ours) == list(theirs) and differing in ([], ["docProps/core.xml"])
