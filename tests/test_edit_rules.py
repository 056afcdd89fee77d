"""What an official's edits mean (issue 26, points 7, 9, 12, 13): deleting a cluster takes its matrix record with
it; 100 % progress with no status is said at the status cell; a Delete cell read from a word other than the
column's own mark is said; a matrix row for a new cluster says how to send the rest."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest

from workbook.template.model import fold
from workbook.template.normalize import TRUE_WORDS
from workbook.template.schema import load_schema

from .conftest import column_of, edit, row_of, sheet_by_kind

SCHEMA = load_schema()
DELETE = SCHEMA.sheet("inventory").field("delete").title_zh
MATRIX = SCHEMA.sheet("constraints")
LAND = SCHEMA.factor("land").title_zh
STATUS = SCHEMA.sheet("recommendations").field("status")
PROGRESS = SCHEMA.sheet("recommendations").field("progress").title_zh
README = Path(__file__).resolve().parents[1] / "README.md"


def run_json(env, *args: str, code: int = 0, lang: str | None = None) -> dict:
    result = env.run(*args, "--format", "json", lang=lang)
    assert result.exit_code == code, result.stdout + result.stderr
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def exported(env) -> dict:
    out = env.root / "export.json"
    assert env.run("export", "-o", str(out), "--format", "json").exit_code == 0
    return json.loads(out.read_text(encoding="utf-8"))


def entries_of(env, revision: int) -> list[dict]:
    return [e for e in run_json(env, "log", "--limit", "100000")["entries"] if e["revision"] == revision]


def issues_of(doc: dict) -> list[dict]:
    return doc["files"][0]["issues"]


def cell_of(path: Path, kind: str, region: str, record: str, header: str) -> str:
    ws = sheet_by_kind(openpyxl.load_workbook(path), kind, region)
    return f"{openpyxl.utils.get_column_letter(column_of(ws, header))}{row_of(ws, record)}"


# -- 7: a deleted cluster's matrix record goes with it -----------------------------------------------------

def test_deleting_a_cluster_deletes_its_matrix_record_in_the_same_revision(env):
    path = env.build("wb.xlsx")
    assert any(c["cluster"] == "XC-C05" for c in exported(env)["constraints"])
    edit(path, "inventory", "XC", "XC-C05", DELETE, "是")
    merged = run_json(env, "merge", str(path))["files"][0]
    assert merged["applied"]
    revision = merged["revision"]
    ops = {(c["entity"], c["record"], c["field"], c["op"]) for c in merged["changes"]}
    assert ops == {("cluster", "XC-C05", None, "delete"), ("constraint", "XC-C05", None, "delete")}
    logged = {(e["entity"], e["record"], e["op"]) for e in entries_of(env, revision)}
    assert logged == {("cluster", "XC-C05", "delete"), ("constraint", "XC-C05", "delete")}
    data = exported(env)
    assert not any(c["id"] == "XC-C05" for c in data["clusters"])
    assert not any(c["cluster"] == "XC-C05" for c in data["constraints"])
    assert any(c["cluster"] == "XC-C04" for c in data["constraints"])  # the others stay
    # the next workbook has no matrix row for it, and nothing reports it missing
    again = env.build("again.xlsx")
    ws = sheet_by_kind(openpyxl.load_workbook(again), "constraints", "XC")
    with pytest.raises(KeyError):
        row_of(ws, "XC-C05")
    assert not issues_of(run_json(env, "validate", str(again)))


def test_a_matrix_row_edited_while_its_cluster_is_deleted_goes_with_the_cluster(env):
    """Delete wins: the file merges, the matrix record is deleted, and a warning at the edited matrix cell says
    the severities were not kept."""
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C05", DELETE, "是")
    edit(path, "constraints", "XC", "XC-C05", LAND, 3)
    cell = cell_of(path, "constraints", "XC", "XC-C05", LAND)
    en = run_json(env, "validate", str(path), lang="en")
    assert any(i["code"] == "matrix_row_of_deleted" and "clear its Delete cell" in i["message"] for i in issues_of(en))
    merged = run_json(env, "merge", str(path))["files"][0]
    assert merged["applied"]
    assert {(c["entity"], c["op"]) for c in merged["changes"]} == {("cluster", "delete"), ("constraint", "delete")}
    said = [i for i in issues_of({"files": [merged]}) if i["code"] == "matrix_row_of_deleted"]
    assert len(said) == 1 and said[0]["severity"] == "warning" and said[0]["cell"] == cell
    assert "XC-C05" in said[0]["message"] and "删除" in said[0]["message"]
    assert not any(c["cluster"] == "XC-C05" for c in exported(env)["constraints"])
    # a re-saved copy of the same file (another file to the store) changes nothing more and conflicts with nothing
    wb = openpyxl.load_workbook(path)
    wb.save(env.root / "resaved.xlsx")
    again = run_json(env, "merge", str(env.root / "resaved.xlsx"))["files"][0]
    assert again["changes"] == [] and again["conflicts"] == []


def test_deleting_a_cluster_whose_matrix_row_another_file_changed_is_a_conflict(env):
    """As for any record: the workbook deletes what someone else changed since it was cut; nothing is applied."""
    first, second = env.build("first.xlsx"), env.build("second.xlsx")
    edit(second, "constraints", "XC", "XC-C05", LAND, 3)
    assert run_json(env, "merge", str(second))["files"][0]["applied"]
    edit(first, "inventory", "XC", "XC-C05", DELETE, "是")
    merged = run_json(env, "merge", str(first), code=1)["files"][0]
    assert not merged["applied"]
    conflicts = [(c["entity"], c["record"], c["theirs"]) for c in merged["conflicts"]]
    assert conflicts == [("constraint", "XC-C05", "delete")]
    assert any(c["cluster"] == "XC-C05" for c in exported(env)["constraints"])


# -- 9: progress 100 % with the status empty -------------------------------------------------------------

def test_full_progress_with_no_status_is_said_at_the_status_cell(env):
    path = env.build("wb.xlsx")
    edit(path, "recommendations", "XC", "XC-R02", PROGRESS, 1.0)
    cell = cell_of(path, "recommendations", "XC", "XC-R02", STATUS.title_zh)
    for lang, done in (("zh", "已完成"), ("en", "Done")):
        doc = run_json(env, "validate", str(path), lang=lang)
        said = [i for i in issues_of(doc) if i["code"] == "cross_progress_unset"]
        assert len(said) == 1, issues_of(doc)
        assert said[0]["severity"] == "warning" and said[0]["cell"] == cell and said[0]["record"] == "XC-R02"
        assert done in said[0]["message"] and "100" in said[0]["message"]
    # a status typed with the progress: nothing to say
    edit(path, "recommendations", "XC", "XC-R02", STATUS.title_zh, "已完成")
    assert not any(i["code"].startswith("cross_progress") for i in issues_of(run_json(env, "validate", str(path))))


# -- 12: the Delete column warns on any word but its own mark --------------------------------------------

@pytest.mark.parametrize("typed", [1, True, "1", "TRUE", "√", "删除", "yes", "x"])
def test_a_delete_read_from_another_word_is_said(env, typed):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C07", DELETE, typed)
    cell = cell_of(path, "inventory", "XC", "XC-C07", DELETE)
    doc = run_json(env, "validate", str(path))
    said = [i for i in issues_of(doc) if i["code"] == "delete_synonym"]
    assert len(said) == 1, issues_of(doc)
    assert said[0]["severity"] == "warning" and said[0]["cell"] == cell and said[0]["record"] == "XC-C07"
    shown = "TRUE" if typed is True else str(typed)  # a logical cell shows TRUE
    assert f"“{shown}”" in said[0]["message"] and "删除" in said[0]["message"] and "清空" in said[0]["message"]
    en = [i for i in issues_of(run_json(env, "validate", str(path), lang="en")) if i["code"] == "delete_synonym"]
    assert "merging deletes it" in en[0]["message"] and "clear the cell" in en[0]["message"]
    merged = run_json(env, "merge", str(path))["files"][0]  # a warning: still deleted
    assert ("cluster", "XC-C07", "delete") in {(c["entity"], c["record"], c["op"]) for c in merged["changes"]}


@pytest.mark.parametrize("typed", ["是", "Y", "y", " 是 "])
def test_the_delete_columns_own_mark_is_taken_silently(env, typed):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C07", DELETE, typed)
    assert not issues_of(run_json(env, "validate", str(path)))


def test_the_readme_lists_every_word_the_delete_column_reads_as_yes():
    row = next(line for line in README.read_text(encoding="utf-8").splitlines() if "`delete_synonym`" in line)
    listed = {fold(word) for word in re.findall(r"`([^`]+)`", row.split("|")[1])}
    assert TRUE_WORDS - {fold("是"), fold("y")} <= listed


# -- 13: a matrix row for a new cluster ------------------------------------------------------------------

def _new_cluster_with_matrix_row(path: Path, matrix_id: str | None) -> Path:
    wb = openpyxl.load_workbook(path)
    inv = sheet_by_kind(wb, "inventory", "XC")
    inv.cell(row=inv.max_row + 1, column=column_of(inv, SCHEMA.sheet("inventory").field("name_zh").title_zh)
             ).value = "许昌新能源装备产业集群"
    ws = sheet_by_kind(wb, "constraints", "XC")
    row = ws.max_row + 1
    ws.cell(row=row, column=column_of(ws, MATRIX.field("id").title_zh)).value = matrix_id
    ws.cell(row=row, column=column_of(ws, LAND)).value = 2
    wb.save(path)
    return path


@pytest.mark.parametrize("matrix_id,code", [(None, "matrix_row_without_id"),
                                            ("XC-C17", "matrix_row_unknown_cluster")])
def test_a_matrix_row_for_a_new_cluster_says_how_to_send_the_rest(env, matrix_id, code):
    path = _new_cluster_with_matrix_row(env.build("wb.xlsx"), matrix_id)
    zh = [i for i in issues_of(run_json(env, "merge", str(path), code=1)) if i["severity"] == "error"]
    assert [i["code"] for i in zh] == [code]
    assert "清空" in zh[0]["message"] and "下一轮" in zh[0]["message"] and "其余" in zh[0]["message"]
    en = [i for i in issues_of(run_json(env, "validate", str(path), code=1, lang="en")) if i["severity"] == "error"]
    assert "clear" in en[0]["message"].lower() and "next round" in en[0]["message"] and "rest" in en[0]["message"]
    # doing what it says: the row cleared, the rest goes through, and the next workbook has the new cluster's row
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "constraints", "XC")
    for cell in ws[ws.max_row]:
        cell.value = None
    wb.save(path)
    merged = run_json(env, "merge", str(path))["files"][0]
    new_id = next(c["record"] for c in merged["changes"] if c["op"] == "insert" and c["entity"] == "cluster")
    row_of(sheet_by_kind(openpyxl.load_workbook(env.build("next.xlsx")), "constraints", "XC"), new_id)
