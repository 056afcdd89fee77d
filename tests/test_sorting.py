"""Sorting, deleting, inserting and pasting rows in a real LibreOffice Calc (through its UNO API), on the
workbook exactly as issued, then validating and merging the saved file as an analyst would."""

from __future__ import annotations

import json

import openpyxl
import pytest

from workbook.store import open_store
from workbook.template.schema import load_schema

from .conftest import IN_CI, SOFFICE, UNO_PYTHON, libreoffice_edit, sheet_by_kind

pytestmark = pytest.mark.skipif((SOFFICE is None or UNO_PYTHON is None) and not IN_CI,
                                reason="needs LibreOffice and python3-uno: run scripts/system-deps.sh")

SCHEMA = load_schema()


def col(kind: str, key: str) -> int:
    """0-based column of a field as the workbook is built."""
    return next(i for i, f in enumerate(SCHEMA.sheet(kind).fields) if f.key == key)


def last_col(kind: str) -> int:
    return len(SCHEMA.sheet(kind).fields) - 1


def data_rows(path, kind: str, region: str) -> int:
    """The last row holding a record (rows 2..N)."""
    ws = sheet_by_kind(openpyxl.load_workbook(path), kind, region)
    return max(c.row for c in ws["A"] if c.value not in (None, "")) if ws.max_row > 1 else 1


def ids_in_order(path, kind: str, region: str) -> list[str]:
    ws = sheet_by_kind(openpyxl.load_workbook(path), kind, region)
    return [c.value for c in ws["A"][1:] if c.value]


def merge_json(env, path, *extra: str):
    result = env.run("merge", str(path), "--format", "json", *extra)
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def test_sorting_whole_tables_as_issued_merges_nothing(env):
    """Data ▸ Sort over the whole inventory by a number column, descending, and over the matrix and the
    checklist, without touching the sheet protection: Calc sorts, and the merge finds nothing to change."""
    path = env.build("wb.xlsx")
    n_inv = data_rows(path, "inventory", "XC")
    n_rec = data_rows(path, "recommendations", "SX")
    n_mat = data_rows(path, "constraints", "XC")
    ops = [
        {"op": "sort", "sheet": "_cwb_inventory_XC", "rows": [2, n_inv], "cols": [0, last_col("inventory")],
         "by": col("inventory", "enterprises"), "descending": True},
        {"op": "sort", "sheet": "_cwb_recommendations_SX", "rows": [2, n_rec],
         "cols": [0, last_col("recommendations")], "by": col("recommendations", "title_zh"), "descending": True},
        {"op": "sort", "sheet": "_cwb_constraints_XC", "rows": [2, n_mat], "cols": [0, last_col("constraints")],
         "by": col("constraints", "short_chain"), "descending": True},
    ]
    before = ids_in_order(path, "inventory", "XC")
    sorted_path = env.root / "sorted.xlsx"
    done = libreoffice_edit(path, sorted_path, ops)
    assert all(d["ok"] for d in done), done
    after = ids_in_order(sorted_path, "inventory", "XC")
    assert sorted(after) == sorted(before) and after != before  # really re-ordered, nothing lost
    code, doc = merge_json(env, sorted_path)
    assert code == 0, doc
    assert doc["files"][0]["changes"] == [] and doc["files"][0]["issues"] == []
    assert open_store(env.store).revision() == 1


def test_sorting_only_the_editable_columns_is_refused_with_the_rows(env):
    """Sort B:U only (what Calc allowed when the ids were locked): names and figures leave their ids. The
    merge must refuse the file, say which sheet and rows, and change nothing."""
    path = env.build("wb.xlsx")
    n = data_rows(path, "inventory", "XC")
    half = env.root / "half.xlsx"
    done = libreoffice_edit(path, half, [
        {"op": "sort", "sheet": "_cwb_inventory_XC", "rows": [2, n], "cols": [1, col("inventory", "data_year")],
         "by": col("inventory", "name_zh"), "descending": True}])
    assert done[0]["ok"], done
    log_before = env.run("log", "--format", "json").stdout
    code, doc = merge_json(env, half)
    assert code == 1
    f = doc["files"][0]
    assert f["applied"] is False and f["revision"] is None
    found = [i for i in f["issues"] if i["code"] == "misaligned"]
    assert len(found) == 1, f["issues"]
    issue = found[0]
    ws_title = sheet_by_kind(openpyxl.load_workbook(half), "inventory", "XC").title
    assert issue["severity"] == "error" and issue["sheet"] == ws_title
    assert f"2–{n}" in issue["message"] or "2–" in issue["message"]
    assert "A" in issue["message"] and "B–" in issue["message"]
    assert open_store(env.store).revision() == 1
    assert env.run("log", "--format", "json").stdout == log_before
    # in English on request, with what to do
    result = env.run("validate", str(half), lang="en")
    assert result.exit_code == 1 and "only some columns were sorted" in result.stdout
    assert "sort the whole table" in result.stdout


@pytest.mark.parametrize("factor", ["short_chain", "weak_lead"])
def test_sorting_only_the_severities_of_the_matrix_is_refused(env, factor):
    """Xuchang's matrix: by short_chain three distinct rows move to the top; by weak_lead one row (XC-C10)
    moves to the top and exchanges its severities with XC-C01, the others keep equal values."""
    path = env.build("wb.xlsx")
    n = data_rows(path, "constraints", "XC")
    first_factor = next(i for i, f in enumerate(SCHEMA.sheet("constraints").fields) if f.is_factor)
    half = env.root / "half.xlsx"
    done = libreoffice_edit(path, half, [
        {"op": "sort", "sheet": "_cwb_constraints_XC", "rows": [2, n], "cols": [first_factor, last_col("constraints")],
         "by": col("constraints", factor), "descending": True}])
    assert done[0]["ok"], done
    code, doc = merge_json(env, half, "--dry-run")
    assert code == 1
    assert [i["code"] for i in doc["files"][0]["issues"] if i["severity"] == "error"] == ["misaligned"]
    assert doc["files"][0]["changes"] == []  # the rows out of place are not offered as changes either


def test_a_block_pasted_one_row_off_is_refused(env):
    """Copy the editable cells of rows 2..6 and paste them one row lower (a slip of the mouse)."""
    path = env.build("wb.xlsx")
    off = env.root / "off.xlsx"
    done = libreoffice_edit(path, off, [
        {"op": "copy_rows", "sheet": "_cwb_inventory_XC", "from": 2, "to": 3, "count": 5,
         "cols": [1, col("inventory", "data_year")]}])
    assert done[0]["ok"], done
    code, doc = merge_json(env, off, "--dry-run")
    assert code == 1
    assert "misaligned" in [i["code"] for i in doc["files"][0]["issues"]]


def test_deleting_inserting_and_pasting_rows_as_issued(env):
    """Sheet ▸ Delete Rows, Insert Rows with a new record typed in, and a whole row pasted twice: Calc does
    each on the sheet as issued; the merge says what each means."""
    path = env.build("wb.xlsx")
    name_col = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[col("inventory", "name_zh")]
    n = data_rows(path, "inventory", "SX")
    edited = env.root / "edited.xlsx"
    done = libreoffice_edit(path, edited, [
        {"op": "remove_rows", "sheet": "_cwb_recommendations_XC", "row": 3},
        {"op": "insert_rows", "sheet": "_cwb_inventory_XC", "row": 5, "count": 1},
        {"op": "set", "sheet": "_cwb_inventory_XC", "cell": f"{name_col}5", "value": "测试新增产业集群"},
    ])
    assert all(d["ok"] for d in done), done
    code, doc = merge_json(env, edited, "--dry-run")
    assert code == 0, doc
    f = doc["files"][0]
    assert [i["code"] for i in f["issues"]] == ["row_missing"]  # the removed row deletes nothing
    assert [(c["op"], c["new"]["name_zh"]) for c in f["changes"]] == [("insert", "测试新增产业集群")]
    pasted = env.root / "pasted.xlsx"
    done = libreoffice_edit(path, pasted, [
        {"op": "copy_rows", "sheet": "_cwb_inventory_SX", "from": 3, "to": n + 1}])
    assert done[0]["ok"], done
    code, doc = merge_json(env, pasted, "--dry-run")
    assert code == 1
    dup = [i for i in doc["files"][0]["issues"] if i["code"] == "duplicate_id"]
    assert len(dup) == 1 and dup[0]["cell"] == f"A{n + 1}" and "A3" in dup[0]["message"]
