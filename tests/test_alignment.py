"""Rows out of place against genuine edits, on plain data (no file): what `alignment` must and must not flag."""

from __future__ import annotations

from workbook.returns.alignment import SheetRow, find_displacement
from workbook.template.schema import load_schema

SCHEMA = load_schema()
INVENTORY = [f for f in SCHEMA.sheet("inventory").editable_fields]
MATRIX = [f for f in SCHEMA.sheet("constraints").editable_fields]

BASE = {
    "R-C01": {"name_zh": "甲领带集群", "stage": "growth", "formation_type": "market", "enterprises": 1100},
    "R-C02": {"name_zh": "乙珍珠集群", "stage": "mature", "formation_type": "embedded", "enterprises": 300},
    "R-C03": {"name_zh": "丙袜业集群", "stage": "growth", "formation_type": "market"},
    "R-C04": {"name_zh": "丁纺织集群", "stage": "mature", "formation_type": "embedded", "employment": 32000},
    "R-C05": {"name_zh": "戊机械集群", "stage": "nascent"},
}


def rows(values: dict[str, dict | None]) -> list[SheetRow]:
    """One row per record in id order; None = the row as issued."""
    return [SheetRow(n, rid, None if v is None else {**BASE[rid], **v} if v else dict(BASE[rid]))
            for n, (rid, v) in enumerate(values.items(), start=2)]


def shifted(order: list[str]) -> list[SheetRow]:
    """The ids stay in place; the editable cells come from the records in `order` (a partial sort)."""
    return [SheetRow(n, rid, dict(BASE[src])) for n, (rid, src) in enumerate(zip(sorted(BASE), order, strict=True),
                                                                           start=2)]


def test_untouched_and_whole_row_sorts_are_fine():
    assert find_displacement(rows(dict.fromkeys(BASE)), BASE, INVENTORY) is None
    # a whole-row sort keeps each row's cells with its id: the same rows in another order
    assert find_displacement(list(reversed(rows(dict.fromkeys(BASE)))), BASE, INVENTORY) is None


def test_a_sort_of_the_editable_columns_is_found():
    found = find_displacement(shifted(["R-C02", "R-C01", "R-C04", "R-C03", "R-C05"]), BASE, INVENTORY)
    assert found is not None and found.rows == [2, 3, 4, 5]
    assert "name_zh" in found.moved and found.example[1:] in {("R-C01", "R-C02"), ("R-C02", "R-C01")}


def test_a_genuine_rename_and_ordinary_edits_are_not_flagged():
    edits = {"R-C01": {"name_zh": "甲领带产业集群（更名）"}, "R-C02": {"stage": "growth"},
             "R-C03": {"stage": "mature", "formation_type": "embedded"},  # like R-C02 and R-C04: not one record
             "R-C04": {"employment": 33000}, "R-C05": {"enterprises": 300}}  # 300: another's count, by chance
    assert find_displacement(rows(edits), BASE, INVENTORY) is None


def test_figures_cleared_in_two_rows_and_filled_in_a_third_are_not_flagged():
    edits = {"R-C01": {"enterprises": None}, "R-C02": {"enterprises": None}, "R-C05": {"enterprises": 120},
             "R-C03": None, "R-C04": None}
    assert find_displacement(rows(edits), BASE, INVENTORY) is None


def test_a_number_column_sorted_on_its_own_is_found():
    base = {f"R-C0{i}": {"name_zh": f"集群{i}", "enterprises": 100 * i} for i in range(1, 6)}
    moved = [SheetRow(i + 1, f"R-C0{i}", {"name_zh": f"集群{i}", "enterprises": 100 * (6 - i)}) for i in range(1, 6)]
    found = find_displacement(moved, base, INVENTORY)
    assert found is not None and found.moved == ["enterprises"] and found.rows == [2, 3, 5, 6]


def test_one_matrix_row_exchanged_with_another_is_found():
    plain = {"land": 2, "talent": 2}
    base = {"C1": dict(plain), "C2": dict(plain), "C3": {"land": 2, "talent": 3, "rd": 3}, "C4": dict(plain)}
    # sorted by talent, descending, over the severity columns only: C3's severities go to the first row
    moved = [SheetRow(2, "C1", base["C3"]), SheetRow(3, "C2", plain), SheetRow(4, "C3", plain),
             SheetRow(5, "C4", plain)]
    found = find_displacement(moved, base, MATRIX)
    assert found is not None and found.rows == [2, 4]
    # the same two rows changed by a reassessment that matches no single other cluster: fine
    legit = [SheetRow(2, "C1", {"land": 3, "talent": 2}), SheetRow(3, "C2", plain), SheetRow(4, "C3", plain),
             SheetRow(5, "C4", plain)]
    assert find_displacement(legit, base, MATRIX) is None


def test_values_that_another_record_also_holds_are_ordinary_edits():
    """Corrections that happen to equal exactly one other record's values, while that record's row still
    shows them, are edits: the other row did not lose its values (found by a review on the seed's
    Xuchang inventory: two 所在地 corrections)."""
    base = {f"C{i}": {"name_zh": f"集群{i}", "location": loc} for i, loc in
            enumerate(["许昌市区", "长葛市", "禹州市", "襄城县", "魏都区", "禹州市、襄城县"], start=1)}
    rows_ = [SheetRow(n, rid, dict(rec)) for n, (rid, rec) in enumerate(base.items(), start=2)]
    rows_[0].values["location"] = "魏都区"  # as C5's
    rows_[2].values["location"] = "禹州市、襄城县"  # as C6's
    assert find_displacement(rows_, base, INVENTORY) is None
    # a re-scoring that gives two clusters the pairs two untouched clusters hold
    matrix = {"A": {"land": 1, "talent": 1}, "B": {"land": 1, "talent": 1}, "C": {"land": 3, "talent": 2},
              "D": {"land": 2, "talent": 3}}
    rescored = [SheetRow(2, "A", {"land": 3, "talent": 2}), SheetRow(3, "B", {"land": 2, "talent": 3}),
                SheetRow(4, "C", None), SheetRow(5, "D", None)]
    assert find_displacement(rescored, matrix, MATRIX) is None


def test_one_dropdown_or_severity_column_sorted_alone_is_found():
    stages = ["growth", "mature", "growth", "nascent", "mature", "growth"]
    base = {f"C{i}": {"name_zh": f"集群{i}", "stage": s} for i, s in enumerate(stages, start=1)}
    by_stage = sorted(stages)  # Data ▸ Sort on that column only: equal values end up side by side
    moved = [SheetRow(n, f"C{i}", {"name_zh": f"集群{i}", "stage": s})
             for n, (i, s) in enumerate(zip(range(1, 7), by_stage, strict=True), start=2)]
    found = find_displacement(moved, base, INVENTORY)
    assert found is not None and found.moved == ["stage"]
    # the same values changed by hand, not left side by side: edits
    edited = ["mature", "growth", "growth", "nascent", "growth", "mature"]
    by_hand = [SheetRow(n, f"C{i}", {"name_zh": f"集群{i}", "stage": s})
               for n, (i, s) in enumerate(zip(range(1, 7), edited, strict=True), start=2)]
    assert find_displacement(by_hand, base, INVENTORY) is None
    severities = {f"C{i}": {"land": v} for i, v in enumerate([2, 2, 3, 2, 3, 1], start=1)}
    sorted_land = [SheetRow(n, f"C{i}", {"land": v})
                   for n, (i, v) in enumerate(zip(range(1, 7), [3, 3, 2, 2, 2, 1], strict=True), start=2)]
    found = find_displacement(sorted_land, severities, MATRIX)
    assert found is not None and found.moved == ["land"]
