"""What people type, and what is stored: pure functions, no files."""

from __future__ import annotations

import pytest

from workbook.template.field_types import normalize_value
from workbook.template.schema import load_schema

SCHEMA = load_schema()
INV = SCHEMA.sheet("inventory")
REC = SCHEMA.sheet("recommendations")
CON = SCHEMA.sheet("constraints")


def norm(sheet, key, raw, epoch1904=False):
    out = normalize_value(SCHEMA, sheet.field(key), raw, epoch1904)
    return out.value, [n.code for n in out.notes]


@pytest.mark.parametrize("raw,value,notes", [
    ("３.２万", 32000, []),
    ("3.2万", 32000, []),
    ("3.2万余人", 32000, ["approximate"]),
    ("约1.5万人", 15000, ["approximate"]),
    ("30000人以上", 30000, ["approximate"]),
    ("1,234", 1234, []),
    ("1，234", 1234, []),
    ("\u00a012 345\u00a0", 12345, []),
    ("不详", None, ["unknown_value"]),
    ("—", None, ["unknown_value"]),
    ("无", None, ["unknown_value"]),
    (32000.0, 32000, []),
    ("3.25人", None, ["whole"]),
    ("三万", None, ["type"]),
    ("30吨", None, ["unit"]),
])
def test_employment(raw, value, notes):
    assert norm(INV, "employment", raw) == (value, notes)


@pytest.mark.parametrize("raw,value", [
    ("近30亿元", 30), ("30亿", 30), ("3000万元", 0.3), ("1.5", 1.5), ("1195.22亿元", 1195.22), ("５０亿", 50)])
def test_money_in_yi_yuan(raw, value):
    assert norm(INV, "output", raw)[0] == pytest.approx(value)


@pytest.mark.parametrize("raw,value,notes", [
    (0.8, 80, []), (1, 100, []), ("80%", 80, []), ("８０％", 80, []), (80, 80, ["percent_guess"]),
    ("80", 80, ["percent_guess"]), ("0.8", 80, ["percent_guess"]), (0.005, 0.5, []), ("150%", 150, []),
])
def test_percent_typed_three_ways(raw, value, notes):
    v, n = norm(INV, "national_share", raw)
    assert v == pytest.approx(value) and n == notes


@pytest.mark.parametrize("raw,value,notes", [
    ("2026/12/31", "2026-12-31", []), ("2026-12-31", "2026-12-31", []), ("2026年12月31日", "2026-12-31", []),
    ("２０２６年１２月３１日", "2026-12-31", []), ("2026.12", "2026-12-31", ["date_guess"]),
    ("2026年2月", "2026-02-28", ["date_guess"]), (46022, "2025-12-31", []), ("2026-13-01", None, ["type"]),
])
def test_dates(raw, value, notes):
    assert norm(REC, "due_date", raw) == (value, notes)


def test_excel_1904_date_system():
    assert norm(REC, "due_date", 44560, epoch1904=True)[0] == "2025-12-31"


@pytest.mark.parametrize("raw,code,notes", [
    ("已完成", "done", []), ("Done", "done", []), ("完成", "done", ["synonym"]), (" 进行中 ", "in_progress", []),
    ("on hold", "suspended", ["synonym"]), ("随便", None, ["enum"]),
])
def test_enum_labels_either_language_and_synonyms(raw, code, notes):
    assert norm(REC, "status", raw) == (code, notes)


@pytest.mark.parametrize("raw,value", [("是", True), ("Y", True), ("✓", True), ("否", False), ("N", False)])
def test_yes_no(raw, value):
    assert norm(INV, "delete", raw)[0] is value


@pytest.mark.parametrize("raw,value", [(3, 3), ("3", 3), (2.0, 2), ("重", 3), ("轻", 1), ("４", 4)])
def test_severity(raw, value):
    assert norm(CON, "land", raw)[0] == value


def test_ids_stay_text():
    assert norm(INV, "id", "xc-c04 ")[0] == "XC-C04"
    assert norm(INV, "id", 7.0)[0] == "7"
    assert norm(INV, "name_zh", 1.0)[0] == "1"


def test_factor_list_in_either_language():
    value, notes = norm(REC, "factors", "土地供给不足、Finance; 产业链短与配套不足")
    assert value == ["land", "finance", "short_chain"] and notes == []
    value, notes = norm(REC, "factors", "土地、资金")
    assert notes == ["enum", "enum"]


POOL = [None, "", " ", "  x  ", "\u00a0y\u00a0", "xc-c04", "XC-C04", "XC-C04 ", 7.0, 7, 7.5, -1, 0, 0.8, 1, 80, 1.0,
        "80%", "3.2万", "不详", "是", "Y", "N", "已完成", "完成", "Done", "重", 3, "土地供给不足、Finance", "x、y",
        "2026-12-31", 46022, True, False]


def test_column_converters_agree_with_the_general_normaliser():
    """The per-column fast paths must give exactly what normalize_value gives, notes included."""
    from datetime import date

    from workbook.template.field_types import make_converter
    from workbook.template.normalize import Normalized
    pool = POOL + [date(2026, 12, 31)]
    for sheet in SCHEMA.sheets:
        for f in sheet.fields:
            convert = make_converter(SCHEMA, f)
            for raw in pool:
                if raw is None:
                    continue
                expected = normalize_value(SCHEMA, f, raw)
                got = convert(raw)
                if type(got) is Normalized:
                    assert (got.value, [n.code for n in got.notes]) == \
                        (expected.value, [n.code for n in expected.notes]), (f.key, raw)
                else:
                    assert expected.notes == [] and not expected.approximate, (f.key, raw)
                    assert got == expected.value and type(got) is type(expected.value), (f.key, raw)
