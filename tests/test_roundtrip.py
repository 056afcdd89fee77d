"""Each edit officials make is a test: build, edit as a person would, validate and merge through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from workbook.store import open_store

from .conftest import IN_CI, SOFFICE, column_of, edit, libreoffice_resave, row_of, sheet_by_kind

pytestmark = pytest.mark.both_stores  # each test on SQLite and on PostgreSQL

needs_lo = pytest.mark.skipif(SOFFICE is None and not IN_CI,
                              reason="needs LibreOffice: run scripts/system-deps.sh (CI always does)")


def merge(env, *files: str, dry: bool = False, lang: str | None = None):
    args = ["merge", *map(str, files), "--format", "json"] + (["--dry-run"] if dry else [])
    result = env.run(*args, lang=lang)
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def validate(env, *files: str, lang: str | None = None):
    result = env.run("validate", *map(str, files), "--format", "json", lang=lang)
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def codes(doc: dict) -> list[str]:
    return [i["code"] for f in doc["files"] for i in f["issues"]]


def revision(env) -> int:
    return open_store(env.store).revision()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_untouched_workbook_gives_no_changes(env, lang):
    path = env.build("wb.xlsx", lang=lang)
    code, doc = validate(env, path)
    assert code == 0 and doc["ok"] and doc["files"][0]["errors"] == 0 and doc["files"][0]["warnings"] == 0
    code, doc = merge(env, path)
    assert code == 0 and doc["files"][0]["changes"] == [] and doc["files"][0]["applied"] is False
    assert revision(env) == 1


@pytest.mark.one_store  # what LibreOffice makes of the file is tested; the store is not: SQLite only
@needs_lo
def test_untouched_after_libreoffice_resave(env):
    path = env.build("wb.xlsx")
    resaved = libreoffice_resave(path, env.root / "lo")
    code, doc = validate(env, resaved)
    assert code == 0, doc
    code, doc = merge(env, resaved, dry=True)
    assert code == 0 and doc["files"][0]["changes"] == [] and doc["files"][0]["conflicts"] == []


@pytest.mark.one_store  # what LibreOffice makes of the file is tested; the store is not: SQLite only
@needs_lo
def test_edit_after_libreoffice_resave(env):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", "从业人数（人）", "3.5万")
    resaved = libreoffice_resave(path, env.root / "lo")
    code, doc = merge(env, resaved)
    assert code == 0, doc
    [change] = doc["files"][0]["changes"]
    assert (change["record"], change["field"], change["old"], change["new"]) == ("XC-C04", "employment", 32000, 35000)


@pytest.mark.parametrize("guard_aside", [False, True], ids=["guard-inline", "guard-in-child"])
def test_one_number_changed(env, monkeypatch, guard_aside):
    """Also with the input guard in a forked child (as for large files) while the merge holds the store's
    write lock: the child must leave the parent's connection and lock alone."""
    if guard_aside:
        monkeypatch.setenv("CLUSTER_WB_GUARD_ASIDE_BYTES", "0")
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    code, doc = merge(env, path)
    assert code == 0
    f = doc["files"][0]
    assert f["applied"] and f["revision"] == 2
    [change] = f["changes"]
    assert change == {"entity": "cluster", "record": "XC-C04", "field": "employment", "op": "update",
                      "old": 32000, "new": 35000, "sheet": "许昌市-集群清单", "cell": "M5"}
    entries = env.json("log", code=0)["entries"]
    assert entries[0]["revision"] == 2 and entries[0]["new"] == 35000 and entries[0]["source"] == "wb.xlsx"
    assert entries[0]["cell"] == "M5" and len(entries[0]["sha256"]) == 64
    assert open_store(env.store).records("cluster")["XC-C04"]["employment"] == 35000
    if env.backend == "sqlite":
        assert env.sql("PRAGMA integrity_check") == [("ok",)]


@pytest.mark.parametrize("typed,expected,warning", [
    ("３.２万", 32000, None), ("3.2万余人", 32000, "approximate"), ("1,234", 1234, None), (" 4500 ", 4500, None)])
def test_full_width_and_wan_numbers(env, typed, expected, warning):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C03", "从业人数（人）", typed)
    code, doc = merge(env, path)
    assert code == 0
    assert doc["files"][0]["changes"][0]["new"] == expected
    assert (warning in codes(doc)) if warning else codes(doc) == []


def test_unknown_word_in_number_cell_is_empty_with_warning(env):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", "从业人数（人）", "不详")
    code, doc = merge(env, path)
    assert code == 0 and "unknown_value" in codes(doc)
    [change] = doc["files"][0]["changes"]
    assert change["old"] == 32000 and change["new"] is None


def test_bad_value_pasted_over_dropdown_is_an_error_at_its_cell(env):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C02", "发展阶段", "很好")
    edit(path, "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    code, doc = merge(env, path)
    assert code == 1 and not doc["ok"]
    issue = next(i for i in doc["files"][0]["issues"] if i["code"] == "enum")
    assert issue["cell"] == "G3" and issue["record"] == "XC-C02" and issue["field"] == "stage"
    assert "起步期" in issue["message"]
    assert doc["files"][0]["applied"] is False and revision(env) == 1  # the good edit waits too


def test_new_row_is_an_insert_with_an_assigned_id(env):
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    new = ws.max_row + 1
    ws.cell(row=new, column=column_of(ws, "集群名称")).value = "许昌新能源汽车零部件产业集群"
    ws.cell(row=new, column=column_of(ws, "企业数（家）")).value = "120家"
    wb.save(path)
    code, doc = merge(env, path)
    assert code == 0, doc
    [change] = doc["files"][0]["changes"]
    assert change["op"] == "insert" and change["record"] == "XC-C17" and change["field"] is None
    assert change["new"]["name_zh"] == "许昌新能源汽车零部件产业集群" and change["new"]["enterprises"] == 120
    rebuilt = openpyxl.load_workbook(env.build("next.xlsx"))
    assert row_of(sheet_by_kind(rebuilt, "inventory", "XC"), "XC-C17")
    assert row_of(sheet_by_kind(rebuilt, "constraints", "XC"), "XC-C17")  # its matrix row comes with it


def test_deleted_row_deletes_nothing_and_warns(env):
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    ws.delete_rows(row_of(ws, "XC-C05"))
    wb.save(path)
    code, doc = merge(env, path)
    assert code == 0 and doc["files"][0]["changes"] == []
    issue = next(i for i in doc["files"][0]["issues"] if i["code"] == "row_missing")
    assert issue["record"] == "XC-C05" and issue["severity"] == "warning"
    assert "XC-C05" in open_store(env.store).records("cluster")


def test_delete_mark_deletes(env):
    path = env.build("wb.xlsx")
    edit(path, "recommendations", "SX", "SX-R04", "删除（填“是”）", "是")
    code, doc = merge(env, path)
    assert code == 0
    [change] = doc["files"][0]["changes"]
    assert change["op"] == "delete" and change["record"] == "SX-R04" and change["old"]["title_zh"]
    assert "SX-R04" not in open_store(env.store).records("recommendation")


def _rewrite(ws, transform) -> None:
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=1, max_row=ws.max_row)]
    new_rows = transform(rows)
    for r, values in enumerate(new_rows, start=1):
        for c, v in enumerate(values, start=1):
            ws.cell(row=r, column=c).value = v


def test_sorted_rows_change_nothing(env):
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    _rewrite(ws, lambda rows: [rows[0]] + sorted(rows[1:], key=lambda r: str(r[1]), reverse=True))
    wb.save(path)
    code, doc = merge(env, path)
    assert code == 0 and doc["files"][0]["changes"] == [] and codes(doc) == []


def test_columns_reordered_still_read_by_header(env):
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    _rewrite(ws, lambda rows: [list(reversed(r)) for r in rows])
    wb.save(path)
    code, doc = merge(env, path, dry=True)
    assert code == 0 and doc["files"][0]["changes"] == [] and codes(doc) == []
    edit(path, "inventory", "XC", "XC-C04", "从业人数（人）", 33000)
    code, doc = merge(env, path)
    [change] = doc["files"][0]["changes"]
    assert change["new"] == 33000 and change["cell"] == f"{openpyxl.utils.get_column_letter(ws.max_column - 12)}5"


def test_notes_column_added_is_a_warning_and_ignored(env):
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    col = ws.max_column + 1
    ws.cell(row=1, column=col).value = "我的批注"
    ws.cell(row=3, column=col).value = "请核实"
    wb.save(path)
    code, doc = merge(env, path)
    assert code == 0 and doc["files"][0]["changes"] == []
    assert codes(doc) == ["extra_column"]


def test_sheet_renamed_and_reordered_is_still_found(env):
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    ws.title = "我的清单"  # openpyxl does not update defined names: the reader falls back on headers and ids
    wb.move_sheet(ws, offset=5)
    wb.save(path)
    edit_wb = openpyxl.load_workbook(path)
    target = edit_wb["我的清单"]
    target.cell(row=row_of(target, "XC-C04"), column=column_of(target, "从业人数（人）")).value = 34000
    edit_wb.save(path)
    code, doc = merge(env, path)
    assert code == 0, doc
    [change] = doc["files"][0]["changes"]
    assert change["sheet"] == "我的清单" and change["new"] == 34000


def test_duplicate_row_pasted_names_both_cells(env):
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    source = row_of(ws, "XC-C02")
    new = ws.max_row + 1
    for c in range(1, ws.max_column + 1):
        ws.cell(row=new, column=c).value = ws.cell(row=source, column=c).value
    wb.save(path)
    code, doc = merge(env, path)
    assert code == 1
    issue = next(i for i in doc["files"][0]["issues"] if i["code"] == "duplicate_id")
    assert issue["cell"] == f"A{new}" and f"A{source}" in issue["message"]


@pytest.mark.parametrize("new_id,code_expected", [("XC-C99", "unknown_id"), ("SX-C01", "wrong_region")])
def test_id_edited_is_an_error(env, new_id, code_expected):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C02", "集群编号", new_id)
    code, doc = merge(env, path)
    assert code == 1 and code_expected in codes(doc)


def test_read_only_cell_edited_is_an_error(env):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C02", "资料来源", "我编的")
    code, doc = validate(env, path)
    issue = next(i for i in doc["files"][0]["issues"] if i["code"] == "readonly")
    assert code == 1 and issue["field"] == "source" and "第一篇" in issue["message"]


def test_two_workbooks_same_cell_conflict(env):
    a = env.build("a.xlsx")
    b = env.build("b.xlsx")
    edit(a, "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    edit(b, "inventory", "XC", "XC-C04", "从业人数（人）", 36000)
    assert merge(env, a)[0] == 0
    code, doc = merge(env, b)
    assert code == 1 and doc["files"][0]["applied"] is False
    [conflict] = doc["files"][0]["conflicts"]
    assert (conflict["base"], conflict["ours"], conflict["theirs"]) == (32000, 35000, 36000)
    assert conflict["cell"] == "M5" and conflict["record"] == "XC-C04"
    assert "35000" in conflict["message"] and "36000" in conflict["message"] and "新工作簿" in conflict["message"]
    assert open_store(env.store).records("cluster")["XC-C04"]["employment"] == 35000
    text = env.run("merge", str(b), lang="en")
    assert text.exit_code == 1 and "fresh workbook" in text.stdout


def test_two_workbooks_different_cells_both_merge(env):
    a = env.build("a.xlsx")
    b = env.build("b.xlsx")
    edit(a, "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    edit(b, "inventory", "XC", "XC-C04", "产值（亿元）", 12.5)
    edit(b, "inventory", "XC", "XC-C03", "从业人数（人）", 800)
    assert merge(env, a)[0] == 0
    code, doc = merge(env, b)
    assert code == 0 and len(doc["files"][0]["changes"]) == 2
    rec = open_store(env.store).records("cluster")["XC-C04"]
    assert rec["employment"] == 35000 and rec["output"] == 12.5


def test_same_change_on_both_sides_is_no_conflict(env):
    a = env.build("a.xlsx")
    b = env.build("b.xlsx")
    edit(a, "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    edit(b, "inventory", "XC", "XC-C04", "从业人数（人）", "3.5万")
    assert merge(env, a)[0] == 0
    code, doc = merge(env, b)
    assert code == 0 and doc["files"][0]["changes"] == [] and doc["files"][0]["conflicts"] == []


def test_en_workbook_merges_into_a_store_that_built_zh(env):
    env.build("zh.xlsx")
    path = env.build("en.xlsx", lang="en")
    edit(path, "recommendations", "XC", "XC-R01", "Status", "Done")
    edit(path, "recommendations", "XC", "XC-R01", "Progress (%)", 1.0)
    edit(path, "recommendations", "XC", "XC-R01", "Due date", "2026-12-31")
    edit(path, "constraints", "XC", "XC-C01", "Land supply", 3)
    code, doc = merge(env, path, lang="en")
    assert code == 0, doc
    changes = {(c["record"], c["field"]): c["new"] for c in doc["files"][0]["changes"]}
    assert changes == {("XC-R01", "status"): "done", ("XC-R01", "progress"): 100,
                       ("XC-R01", "due_date"): "2026-12-31", ("XC-C01", "land"): 3}


def test_merging_twice_applies_nothing_the_second_time(env):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "recommendations", "XC")
    ws.cell(row=ws.max_row + 1, column=column_of(ws, "建议措施")).value = "建设钧瓷包装箱配套园"
    wb.save(path)
    code, first = merge(env, path)
    assert code == 0 and len(first["files"][0]["changes"]) == 2
    code, second = merge(env, path)
    assert code == 0 and second["files"][0]["changes"] == [] and second["files"][0]["applied"] is False
    assert second["files"][0]["already_merged_as"] == 2
    assert len([r for r in open_store(env.store).records("recommendation") if r.startswith("XC-")]) == 6
    result = env.run("merge", str(path))
    assert "版本 2" in result.stdout


def test_dry_run_reports_and_writes_nothing(env):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    code, doc = merge(env, path, dry=True)
    f = doc["files"][0]
    assert code == 0 and f["applied"] is False and f["revision"] is None and len(f["changes"]) == 1
    assert f["counts"]["update"] == 1 and f["counts"]["conflicts"] == 0
    assert revision(env) == 1
    text = env.run("merge", "--dry-run", str(path))
    assert "修改 1" in text.stdout and "M5" in text.stdout


def test_a_folder_of_returns_each_file_all_or_nothing(env):
    folder = env.root / "returns"
    folder.mkdir()
    good = env.build("returns/good.xlsx")
    bad = env.build("returns/bad.xlsx")
    edit(good, "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    edit(bad, "inventory", "SX", "SX-C01", "企业数（家）", "很多")
    edit(bad, "inventory", "SX", "SX-C02", "企业数（家）", 9000)
    result = env.run("merge", str(folder), "--format", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 1
    by_name = {Path(f["path"]).name: f for f in doc["files"]}
    assert by_name["good.xlsx"]["applied"] and not by_name["bad.xlsx"]["applied"]
    assert "[2/2]" in result.stderr
    recs = open_store(env.store).records("cluster")
    assert recs["XC-C04"]["employment"] == 35000 and recs["SX-C02"]["enterprises"] == 8500


def test_files_that_are_not_ours_exit_2(env, tmp_path):
    env.build("wb.xlsx")
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    text = tmp_path / "notes.xlsx"
    text.write_text("a,b\n1,2\n", encoding="utf-8")
    for f in (plain, text, tmp_path / "missing.xlsx"):
        result = env.run("validate", str(f))
        assert result.exit_code == 2 and str(f) in result.stderr and "Traceback" not in result.output


def test_workbook_of_another_store_exits_2(env, tmp_path):
    from .conftest import Env
    other = Env(tmp_path / "other")
    other.root.mkdir()
    path = other.build("theirs.xlsx")
    result = env.run("merge", str(path))
    assert result.exit_code == 2 and "not issued" in result.stderr.replace("不是由本数据库发出", "not issued")


def test_formula_without_cached_value_is_an_error(env):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", "从业人数（人）", "=30000+5000")
    code, doc = validate(env, path)
    issue = next(i for i in doc["files"][0]["issues"] if i["code"] == "formula_no_value")
    assert code == 1 and issue["cell"] == "M5"


@pytest.mark.one_store  # what LibreOffice makes of the file is tested; the store is not: SQLite only
@needs_lo
def test_formula_with_cached_value_uses_it_with_a_warning(env):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", "从业人数（人）", "=30000+5000")
    resaved = libreoffice_resave(path, env.root / "lo")
    code, doc = merge(env, resaved)
    assert code == 0 and "formula" in codes(doc)
    assert doc["files"][0]["changes"][0]["new"] == 35000


def test_merged_cells_over_data_are_an_error(env):
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    ws.merge_cells("D3:E4")
    wb.save(path)
    code, doc = validate(env, path)
    issue = next(i for i in doc["files"][0]["issues"] if i["code"] == "merged")
    assert code == 1 and "D3:E4" in issue["message"]


def test_header_typo_is_an_error_with_did_you_mean(env):
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    ws.cell(row=1, column=2).value = "集群明称"
    ws.cell(row=1, column=3).value = "英文名称 "
    wb.save(path)
    code, doc = validate(env, path)
    issues = doc["files"][0]["issues"]
    missing = next(i for i in issues if i["code"] == "missing_column")
    assert code == 1 and "集群明称" in missing["message"] and "B" in missing["message"]
    assert any(i["code"] == "header_variant" and i["cell"] == "C1" for i in issues)


def test_cross_field_rules(env):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", "规上企业数（家）", 200)
    edit(path, "recommendations", "XC", "XC-R02", "进度（%）", 1.0)
    edit(path, "recommendations", "XC", "XC-R02", "状态", "进行中")
    edit(path, "recommendations", "XC", "XC-R03", "开始日期", "2026-06-01")
    edit(path, "recommendations", "XC", "XC-R03", "完成时限", "2026年3月1日")
    code, doc = validate(env, path)
    found = {(i["code"], i["record"]) for i in doc["files"][0]["issues"]}
    assert code == 1
    assert {("cross_above_scale", "XC-C04"), ("cross_progress", "XC-R02"), ("cross_dates", "XC-R03")} <= found


def test_messages_in_english_on_request(env):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C02", "发展阶段", "很好")
    code, doc = validate(env, path, lang="en")
    issue = next(i for i in doc["files"][0]["issues"] if i["code"] == "enum")
    assert code == 1 and "is not allowed here" in issue["message"] and "Nascent" in issue["message"]


def test_annotated_copy_marks_each_problem(env):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C02", "发展阶段", "很好")
    out = env.root / "checked.xlsx"
    result = env.run("validate", str(path), "--annotate", str(out))
    assert result.exit_code == 1 and out.exists()
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "校验结果"
    listing = wb["校验结果"]
    assert listing["A1"].value == "wb.xlsx：1 个错误，0 个警告。" and "改正" in listing["A2"].value
    assert [c.value for c in listing[4]] == ["级别", "工作表", "单元格", "列", "记录", "填写的值", "说明"]
    # the column as the official knows it, not the field's key
    assert listing["C5"].value == "G3" and listing["C5"].hyperlink.location.endswith("!G3")
    assert listing["D5"].value == "发展阶段"
    assert listing.page_setup.orientation == "landscape" and listing.page_setup.paperSize == 9
    assert listing.sheet_properties.pageSetUpPr.fitToPage and listing.page_setup.fitToHeight == 0
    assert listing.print_title_rows.replace("$", "") == "4:4"
    cell = sheet_by_kind(wb, "inventory", "XC")["G3"]
    assert "不是允许的值" in cell.comment.text and cell.fill.fgColor.rgb.endswith("FFC7CE")
    # the annotated copy is still a workbook of this store: fix it and validate again
    wb.close()
    edit(out, "inventory", "XC", "XC-C02", "发展阶段", "成长期")
    assert validate(env, out)[0] == 0


def test_json_shapes_follow_the_contract(env):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C02", "发展阶段", "成长")
    code, doc = validate(env, path)
    assert set(doc) == {"ok", "files"}
    f = doc["files"][0]
    assert {"path", "ok", "errors", "warnings", "issues"} <= set(f)
    issue = f["issues"][0]
    assert set(issue) - {"ctx"} == {"severity", "code", "sheet", "cell", "field", "record", "value", "message"}
    assert issue["code"] == "synonym" and issue["ctx"]["text"] == "成长"  # the message's parameters, as data
    code, doc = merge(env, path)
    f = doc["files"][0]
    assert {"path", "ok", "applied", "revision", "changes", "conflicts", "issues"} <= set(f)
    assert set(f["changes"][0]) == {"entity", "record", "field", "op", "old", "new", "sheet", "cell"}
    log = env.json("log", "--limit", "1", code=0)
    assert set(log["entries"][0]) >= {"revision", "at", "by", "source", "entity", "record", "field", "op", "old", "new"}


def test_matrix_row_without_cluster_id_is_an_error(env):
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "constraints", "XC")
    ws.cell(row=ws.max_row + 2, column=4).value = 2
    wb.save(path)
    code, doc = merge(env, path)
    assert code == 1 and "matrix_row_without_id" in codes(doc)


def test_wps_style_bogus_dimension_is_ignored(env):
    """WPS can declare `<dimension ref="A1:A1"/>` over a full sheet; readers that trust it see one cell."""
    import re
    import zipfile
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", "从业人数（人）", 35000)
    bogus = env.root / "wps.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bogus, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:A1"/>', data)
            zout.writestr(item, data)
    code, doc = merge(env, bogus)
    assert code == 0 and [c["new"] for c in doc["files"][0]["changes"]] == [35000]


def test_issue_values_are_normalised_where_the_cell_was_read(env):
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", "从业人数（人）", "３.２万余")
    edit(path, "inventory", "XC", "XC-C02", "企业数（家）", "很多")
    code, doc = validate(env, path)
    issues = {i["code"]: i for i in doc["files"][0]["issues"]}
    assert issues["approximate"]["value"] == 32000  # a warning: what will be stored
    assert issues["type"]["value"] == "很多"  # an error: what was typed


def test_an_issue_is_said_in_either_language_when_it_is_output(env):
    """Issues keep their parameters and are rendered at output: one validated in Chinese, said in English,
    reads exactly as the English validation says it (titles, labels, type words, hints, allowed values)."""
    from workbook.core.scope import Scope
    from workbook.services.round_trip import check_file

    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    ws.cell(row=1, column=column_of(ws, "英文名称")).value = "英文明称"  # did you mean
    ws.cell(row=row_of(ws, "XC-C02"), column=column_of(ws, "发展阶段")).value = "很好"  # not an allowed value
    ws.cell(row=row_of(ws, "XC-C03"), column=column_of(ws, "企业数（家）")).value = "很多"  # not a number
    ws.cell(row=row_of(ws, "XC-C04"), column=column_of(ws, "规上企业数（家）")).value = 10 ** 5  # above the total
    ws.cell(row=row_of(ws, "XC-C05"), column=column_of(ws, "资料来源")).value = "改过"  # read-only
    ws.cell(row=row_of(ws, "XC-C06"), column=column_of(ws, "形成类型")).value = "市场驱动"  # a synonym, maybe
    wb.save(path)
    edit(path, "recommendations", "XC", "XC-R02", "状态", "进行中")
    edit(path, "recommendations", "XC", "XC-R02", "进度（%）", 1.0)
    st = open_store(env.store)
    said_zh = check_file(st, str(path), "zh", scope=Scope.everything("test")).checked.issues
    said_en = check_file(st, str(path), "en", scope=Scope.everything("test")).checked.issues
    assert {"missing_column_optional", "enum", "type", "cross_above_scale", "readonly", "cross_progress"} <= \
        {i.code for i in said_zh}
    assert [i.render("en") for i in said_zh] == [i.message for i in said_en]
    assert [i.render("zh") for i in said_en] == [i.message for i in said_zh]
    assert [i.to_json("en") for i in said_zh] == [i.to_json() for i in said_en]
