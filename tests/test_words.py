"""Issue 26, points 10 and 11: what an official sees in a cell is what a message names (a formula's error as
#DIV/0!, a whole number as 20, not 20.0), and every line a person reads follows --lang, names fields by their
titles and shows records as a person reads them (no internal words, no Python dict)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest

from .conftest import IN_CI, SOFFICE, column_of, libreoffice_resave, row_of, sheet_by_kind

needs_lo = pytest.mark.skipif(SOFFICE is None and not IN_CI,
                              reason="needs LibreOffice: run scripts/system-deps.sh (CI always does)")

# English and internal words that must not reach a person reading Chinese
ENGLISH_WORDS = ("writing ", "created ", "annotated copy", "tracker:", "copied ", "revision", "update", "delete",
                 "insert", "enterprises", "name_zh", "{'", "(or --split)", "Not a directory", "internal error",
                 "cwb_", "seed:")


def _text(result) -> str:
    return result.stdout + result.stderr


def _no_english(text: str) -> None:
    found = [w for w in ENGLISH_WORDS if w in text]
    assert not found, f"English or internal words {found} in:\n{text}"


def _put(ws, record: str, header: str, value, number_format: str | None = None) -> None:
    cell = ws.cell(row=row_of(ws, record), column=column_of(ws, header))
    cell.value = value
    if number_format:
        cell.number_format = number_format


# -- point 10: a formula's error, whole numbers as typed ---------------------------------------------------


@needs_lo
def test_formula_error_is_named_and_whole_numbers_show_as_typed(env):
    """A formula showing #DIV/0! (cached by LibreOffice, as an official's office suite saves it) is named as
    that error, in both languages; a formula's whole result and a whole number in a percent column show as
    typed (20, 80), never 20.0 or 80.0."""
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    _put(ws, "XC-C04", "企业数（家）", "=1/0")
    _put(ws, "XC-C02", "产值（亿元）", "=10*2")
    _put(ws, "XC-C03", "企业数（家）", "=10*2")
    _put(ws, "XC-C01", "主导产业占比（%）", 80)  # 80 typed in a percent column, without its % sign
    _put(ws, "XC-C03", "主导产业占比（%）", "=40*2")
    wb.save(path)
    resaved = libreoffice_resave(path, env.root / "lo")

    for lang in ("zh", "en"):
        result = env.run("validate", str(resaved), "--format", "json", lang=lang)
        assert result.exit_code == 1, result.stderr
        issues = json.loads(result.stdout)["files"][0]["issues"]
        [error] = [i for i in issues if i["cell"] == "J5"]
        assert error["code"] == "formula_error" and error["severity"] == "error" and error["field"] == "enterprises"
        if lang == "zh":
            assert "单元格显示公式错误 #DIV/0!" in error["message"] and "直接填写数值" in error["message"]
        else:
            assert "the formula error #DIV/0!" in error["message"] and "type the value" in error["message"]
        messages = [i["message"] for i in issues]
        assert not [m for m in messages if re.search(r"\b(20|80)\.0\b", m)], messages
        formula_values = [i["message"] for i in issues if i["code"] == "formula"]
        assert len(formula_values) == 3 and all("“20”" in m or "“80”" in m for m in formula_values), formula_values
        [guess] = [i["message"] for i in issues if i["code"] == "percent_guess" and i["cell"].startswith("P2")]
        assert "“80”" in guess and "80%" in guess, guess
        # the text table says the same
        text = env.run("validate", str(resaved), lang=lang).stdout
        assert "#DIV/0!" in text and "20.0" not in text and "80.0" not in text


def test_formula_without_computed_value_keeps_its_code(env):
    """A formula saved with no computed value at all (openpyxl writes none) is still `formula_no_value`."""
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    _put(sheet_by_kind(wb, "inventory", "XC"), "XC-C04", "企业数（家）", "=1/0")
    wb.save(path)
    result = env.run("validate", str(path), "--format", "json")
    assert result.exit_code == 1
    issues = json.loads(result.stdout)["files"][0]["issues"]
    assert [i["code"] for i in issues if i["cell"] == "J5"] == ["formula_no_value"]


def _cache_error(path: Path, formula: str, error: str) -> None:
    """Give the formula cell openpyxl wrote the cached error value an office suite would save with it (openpyxl
    writes none): the sheet's XML rewritten in the zip, every other part copied as it is."""
    import zipfile

    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        hits = 0
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/") and formula.encode() in data:
                cell = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*><f>' + re.escape(formula.encode())
                                  + rb"</f>(?:<v>[^<]*</v>|<v\s*/>)?</c>")
                data, n = cell.subn(lambda m: b'<c r="' + m.group(1) + b'" t="e"><f>' + formula.encode()
                                    + b"</f><v>" + error.encode() + b"</v></c>", data)
                hits += n
            dst.writestr(info, data)
    assert hits == 1
    tmp.replace(path)


def test_a_long_formulas_error_is_named(env):
    """A formula longer than a couple of hundred characters showing #DIV/0! is named as that error, not as a
    formula with no computed value."""
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    formula = "1/0" + "+0" * 300  # 603 characters
    _put(sheet_by_kind(wb, "inventory", "XC"), "XC-C04", "企业数（家）", "=" + formula)
    wb.save(path)
    _cache_error(path, formula, "#DIV/0!")
    result = env.run("validate", str(path), "--format", "json", lang="en")
    assert result.exit_code == 1, result.stderr
    issues = json.loads(result.stdout)["files"][0]["issues"]
    [error] = [i for i in issues if i["cell"] == "J5"]
    assert error["code"] == "formula_error", error
    assert "the formula error #DIV/0!" in error["message"] and "type the value" in error["message"]


def test_formula_errors_are_seen_at_every_edge_of_the_guards_reading(env):
    """The guard reads a sheet a megabyte at a time; a cell whose formula and cached error fall on two sides of
    that edge (tags with a namespace prefix, `<x:c>`, as some writers save them) still has its error."""
    import zipfile

    from workbook.xlsx.guard import check_file

    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    plain = env.root / "plain.xlsx"
    wb.save(plain)
    rows = 12_000  # about 1.4 MB of cells: the first megabyte ends inside one of them
    cells = b"".join(b'<x:row r="%d"><x:c r="B%d" t="e"><x:f>1/0+%s</x:f><x:v>#DIV/0!</x:v></x:c></x:row>'
                     % (n, n, b"0" * (n % 37)) for n in range(1, rows + 1))
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main"><x:sheetData>' + cells + b"</x:sheetData></x:worksheet>")
    prefixed = env.root / "prefixed.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(prefixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, sheet if info.filename == "xl/worksheets/sheet1.xml" else src.read(info))
    [part] = check_file(prefixed).parts.values()
    assert len(part.formulas) == rows
    assert part.errors == {f"B{n}": "#DIV/0!" for n in range(1, rows + 1)}


# -- point 11: every line in --lang ------------------------------------------------------------------------


def _edited_return(env, name: str = "wb.xlsx") -> Path:
    """A workbook with an update (XC-C04's enterprises), a deleted row (XC-C03) and a new cluster."""
    path = env.build(name)
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    _put(ws, "XC-C04", "企业数（家）", 1300)
    _put(ws, "XC-C03", "删除（填“是”）", "是")
    row = ws.max_row + 1
    ws.cell(row=row, column=column_of(ws, "集群名称")).value = "新集群"
    ws.cell(row=row, column=column_of(ws, "企业数（家）")).value = 12
    wb.save(path)
    return path


def test_progress_and_result_lines_are_chinese_by_default(env):
    """init, build, build --split, validate --annotate, round open, status -o, store copy: Chinese lines."""
    done = env.run("init")
    assert done.exit_code == 0 and "已创建" in done.stderr and "数据版本 1" in done.stderr
    _no_english(_text(done))
    built = env.run("build", "-o", "wb.xlsx")
    assert built.exit_code == 0 and "正在写入 wb.xlsx" in built.stderr
    _no_english(built.stderr)
    split = env.run("build", "--split", "-o", "split")
    assert split.exit_code == 0 and split.stderr.count("正在写入") == 5
    _no_english(split.stderr)
    checked = env.run("validate", str(_edited_return(env, "edited.xlsx")), "--annotate", "marked.xlsx")
    assert checked.exit_code == 0 and "已写出标注副本：marked.xlsx" in checked.stderr
    _no_english(_text(checked))
    opened = env.run("round", "open", "r1", "--due", "2030-01-01", "--region", "XC")
    assert opened.exit_code == 0 and "正在写入" in opened.stderr
    _no_english(opened.stderr)
    status = env.run("status", "-o", "tracker.xlsx")
    assert status.exit_code == 0 and "已写出交回情况表：tracker.xlsx" in status.stderr
    _no_english(status.stderr)
    copied = env.run("store", "copy", "--from", env.store, "--to", str(env.root / "copy.sqlite"))
    assert copied.exit_code == 0 and "复制到" in copied.stderr and "审计记录" in copied.stderr
    _no_english(copied.stderr)


def test_progress_and_result_lines_in_english(env):
    done = env.run("init", lang="en")
    assert done.exit_code == 0 and "created " in done.stderr and "at revision 1" in done.stderr
    assert "writing wb.xlsx" in env.run("build", "-o", "wb.xlsx", lang="en").stderr
    checked = env.run("validate", str(_edited_return(env, "edited.xlsx")), "--annotate", "marked.xlsx", lang="en")
    assert "annotated copy: marked.xlsx" in checked.stderr
    assert env.run("round", "open", "r1", "--due", "2030-01-01", "--region", "XC", lang="en").exit_code == 0
    assert "tracker: tracker.xlsx" in env.run("status", "-o", "tracker.xlsx", lang="en").stderr
    copied = env.run("store", "copy", "--from", env.store, "--to", str(env.root / "copy.sqlite"), lang="en")
    assert "copied " in copied.stderr and "audit entries" in copied.stderr and "cwb_" not in copied.stderr


def test_merge_tables_name_operations_and_fields_in_chinese(env):
    """The dry run's and the merge's change tables: 新增 / 修改 / 删除, the column's title, whole records as
    title=value, never a key or a Python dict."""
    path = _edited_return(env)
    for args in (("--dry-run",), ()):
        result = env.run("merge", str(path), *args)
        assert result.exit_code == 0, result.stderr
        text = _text(result)
        _no_english(text)
        for word in ("修改", "删除", "新增", "企业数（家）", "集群名称=新集群", "集群名称=", "1300"):
            assert word in text, (word, text)


def test_merge_tables_in_english(env):
    path = _edited_return(env)
    text = env.run("merge", str(path), "--dry-run", lang="en").stdout
    for word in ("changed", "deleted", "added", "Enterprises (count)", "Cluster name (Chinese)=新集群"):
        assert word in text, (word, text)
    assert "{'" not in text and "enterprises " not in text


def test_log_text_speaks_the_language(env):
    """`log`'s headers, operations, fields and whole records in --lang; its JSON keeps keys and values."""
    merged = env.run("merge", str(_edited_return(env)))
    assert merged.exit_code == 0, merged.stderr
    text = env.run("log", "--limit", "400").stdout
    _no_english(text)
    for word in ("版本", "操作人", "字段", "原值", "新值", "修改", "删除", "新增", "企业数（家）", "集群名称=",
                 "集群清单", "制约矩阵", "内置初始数据"):
        assert word in text, (word, text)
    english = env.run("log", "--limit", "400", lang="en").stdout
    for word in ("revision", "field", "changed", "deleted", "added", "Enterprises"):
        assert word in english, (word, english)
    assert "{'" not in english
    entries = env.json("log", "--limit", "3", code=0)["entries"]
    assert {e["op"] for e in entries} <= {"insert", "update", "delete"}
    assert any(e["field"] == "enterprises" for e in entries)
    assert any(isinstance(e["new"], dict) for e in entries if e["op"] == "insert")


def test_os_error_and_split_hint_follow_the_language(env):
    """A path under a file (the OS refuses it) and a folder given to build without --split: said in --lang."""
    assert env.run("init").exit_code == 0
    (env.root / "afile").write_text("not a folder", encoding="utf-8")
    for args in (("--store", str(env.root / "afile" / "sub" / "s.sqlite"), "init"),):
        zh = env.run(*args)
        assert zh.exit_code == 2 and "afile" in zh.stderr and "不是文件夹" in zh.stderr, zh.stderr
        _no_english(zh.stderr)
        en = env.run(*args, lang="en")
        assert en.exit_code == 2 and "afile" in en.stderr and "not a folder" in en.stderr.lower(), en.stderr
    (env.root / "returns.xlsx").mkdir()  # a folder named like a workbook
    zh = env.run("build", "-o", "returns.xlsx")
    assert zh.exit_code == 2 and "这是文件夹" in zh.stderr and "或使用 --split" in zh.stderr, zh.stderr
    _no_english(zh.stderr)
    assert "(or --split)" in env.run("build", "-o", "returns.xlsx", lang="en").stderr
