"""Broken, foreign and crafted files: each gets exit 2 and one clear line, fast, before any parser runs."""

from __future__ import annotations

import io
import json
import re
import shutil
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from workbook.xlsx.guard import Refused, check_file

from .conftest import column_of, edit, row_of, sheet_by_kind

FOREIGN = Path(__file__).parent / "data" / "foreign"


def rezip(src: Path, dst: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = (replace or {}).get(item.filename, zin.read(item.filename))
            zout.writestr(item.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def refused(env, path: Path, *words: str) -> str:
    """The file is refused with exit 2 and one line naming it: in English with --lang en (holding `words`),
    in Chinese by default."""
    for lang in ("en", None):
        started = time.monotonic()
        result = env.run("validate", str(path), lang=lang)
        assert time.monotonic() - started < 30
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and "internal error" not in result.stderr
        line = result.stderr.strip()
        assert str(path) in line and len(line.splitlines()) == 1
        if lang == "en":
            english = line
            for w in words:
                assert w in line, line
        else:
            assert re.search("[\u4e00-\u9fff]", line.replace(str(path), "")), line
    return english


@pytest.fixture
def built(env):
    return env.build("wb.xlsx")


def test_zip_bomb(env, built):
    bomb = rezip(built, env.root / "bomb.xlsx", add={"xl/media/filler.bin": b"\0" * (60 * 1024 * 1024)})
    assert bomb.stat().st_size < 1_000_000
    refused(env, bomb, "zip bomb")


def test_billion_laughs_and_external_entities(env, built):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
              b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>')
    refused(env, rezip(built, env.root / "laughs.xlsx", add={"xl/sharedStrings.xml": laughs}), "DTD")
    with zipfile.ZipFile(built) as z:
        sheet = z.read("xl/worksheets/sheet4.xml")
    refused(env, rezip(built, env.root / "laughs2.xlsx", replace={
        "xl/worksheets/sheet4.xml": sheet.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)}), "DTD")
    with zipfile.ZipFile(built) as z:
        wbxml = z.read("xl/workbook.xml")
    xxe = wbxml.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)
    refused(env, rezip(built, env.root / "xxe.xlsx", replace={"xl/workbook.xml": xxe}), "DTD")


def test_encrypted_workbook(env, built):
    from msoffcrypto.format.ooxml import OOXMLFile
    target = env.root / "locked.xlsx"
    with open(built, "rb") as src, open(target, "wb") as out:
        OOXMLFile(src).encrypt("secret", out)
    refused(env, target, "encrypted")


def test_legacy_xls_xlsb_and_macros(env, built):
    xls = env.root / "old.xlsx"
    shutil.copy(FOREIGN / "dates.xls", xls)
    refused(env, xls, ".xls")
    refused(env, rezip(built, env.root / "bin.xlsx", add={"xl/workbook.bin": b"\0" * 10}), ".xlsb")
    refused(env, rezip(built, env.root / "macro.xlsm", add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" * 100}),
            "macros")


def test_csv_and_other_files_renamed(env):
    csv = env.root / "table.xlsx"
    csv.write_text("地区,集群,从业人数\n许昌市,发制品,30000\n", encoding="utf-8")
    refused(env, csv, "CSV")
    pdf = env.root / "scan.xlsx"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    refused(env, pdf, "PDF")
    empty = env.root / "empty.xlsx"
    empty.write_bytes(b"")
    refused(env, empty)
    other_zip = env.root / "photos.xlsx"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("a.txt", "hello")
    refused(env, other_zip, "not an Excel workbook")


def test_truncated_zip(env, built):
    data = built.read_bytes()
    for n, cut in enumerate((len(data) // 2, len(data) - 100, 30)):
        part = env.root / f"cut{n}.xlsx"
        part.write_bytes(data[:cut])
        refused(env, part)


def test_absurd_dimensions_and_merged_ranges(env):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    wb.active["XFD1048576"] = "y"
    far = env.root / "far.xlsx"
    wb.save(far)
    assert far.stat().st_size < 10_000
    refused(env, far, "absurd")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    merged = env.root / "merged.xlsx"
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").replace(
            b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')
    merged.write_bytes(b"")
    src = env.root / "plain.xlsx"
    src.write_bytes(buf.getvalue())
    rezip(src, merged, replace={"xl/worksheets/sheet1.xml": sheet})
    refused(env, merged, "merges")


def test_huge_shared_string_count(env, built):
    sst = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org'
           b'/spreadsheetml/2006/main" count="2000000000" uniqueCount="2000000000"><si><t>x</t></si></sst>')
    refused(env, rezip(built, env.root / "sst.xlsx", add={"xl/sharedStrings.xml": sst}), "shared-strings")


@pytest.mark.parametrize("name", sorted(p.name for p in FOREIGN.glob("*.xls*")))
def test_files_other_programs_wrote_are_not_ours(env, name):
    env.run("init")
    result = env.run("validate", str(FOREIGN / name))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "not a cluster-wb workbook" in result.stderr or "不是 cluster-wb" in result.stderr or ".xls" in result.stderr


def test_files_openpyxl_pandas_and_libreoffice_wrote_are_not_ours(env, tmp_path):
    import pandas as pd
    env.run("init")
    made = tmp_path / "pandas.xlsx"
    pd.DataFrame({"集群名称": ["a"], "从业人数（人）": [1]}).to_excel(made, index=False)
    plain = tmp_path / "openpyxl.xlsx"
    openpyxl.Workbook().save(plain)
    for f in (made, plain):
        result = env.run("validate", str(f))
        assert result.exit_code == 2 and "不是 cluster-wb" in result.stderr


def test_the_guard_passes_our_own_workbooks(built):
    check_file(built)  # no exception


def test_the_guard_run_aside_answers_as_the_guard_inline(env, built):
    """Large files are checked in a child process while the store is read: same scan, same refusals."""
    from workbook.xlsx.guard import LIMITS, start_check

    aside = start_check(built, aside_from=0)()
    assert aside.parts.keys() == check_file(built).parts.keys() and aside.parts
    bomb = rezip(built, env.root / "bomb.xlsx", add={"xl/media/filler.bin": b"\0" * (60 * 1024 * 1024)})
    with pytest.raises(Refused, match="zip bomb"):
        start_check(bomb, aside_from=0)()
    # a child that dies (as the kernel's out-of-memory killer would end it) is a refusal that says so
    with pytest.raises(Refused, match="stopped before it ended"):
        _check_in_a_dying_child(built, LIMITS)


def _guard_from_a_daemon(path, answers) -> None:
    from workbook.xlsx.guard import start_check

    answers.put(sorted(start_check(path, aside_from=0)().parts))


def test_the_guard_in_a_process_that_may_not_fork_checks_inline(built):
    """A daemon process (a pool worker, say) may not start children: the guard then runs inline."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    answers = context.Queue()
    worker = context.Process(target=_guard_from_a_daemon, args=(str(built), answers), daemon=True)
    worker.start()
    parts = answers.get(timeout=30)
    worker.join(timeout=60)
    assert worker.exitcode == 0 and parts == sorted(check_file(built).parts)


def _check_in_a_dying_child(path, limits):
    import os

    from workbook.xlsx import guard

    real = guard.check_file
    guard.check_file = lambda *_a, **_k: os._exit(9)  # only the forked child ever calls this
    try:
        waiting = guard.start_check(path, limits, aside_from=0)
    finally:
        guard.check_file = real
    return waiting()


def test_the_guard_names_the_file_in_every_refusal(tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"garbage" * 10)
    with pytest.raises(Refused, match=str(bad)):
        check_file(bad)


# -- injection: text that came from a workbook never runs in the next program --------------------------
DANGEROUS = ['=HYPERLINK("http://example.com","点我")', "+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]


def test_formula_like_text_from_officials_stays_text_everywhere(env, built):
    wb = openpyxl.load_workbook(built)
    ws = sheet_by_kind(wb, "inventory", "XC")
    col = column_of(ws, "备注")
    for i, text in enumerate(DANGEROUS):
        cell = ws.cell(row=row_of(ws, f"XC-C0{i + 1}"), column=col)
        cell.value = text
        cell.data_type = "s"  # typed as text by the official (e.g. with a leading apostrophe)
    wb.save(built)
    result = env.run("merge", str(built), "--format", "json")
    assert result.exit_code == 0, result.output
    rebuilt = env.build("next.xlsx")
    with zipfile.ZipFile(rebuilt) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
        rels = b"".join(z.read(n) for n in z.namelist() if n.endswith(".rels"))
    assert b"<f>HYPERLINK" not in xml and b"<f>cmd" not in xml and b"example.com" not in rels
    ws = sheet_by_kind(openpyxl.load_workbook(rebuilt), "inventory", "XC")
    assert [ws.cell(row=row_of(ws, f"XC-C0{i + 1}"), column=col).data_type for i in range(len(DANGEROUS))] == \
        ["s"] * len(DANGEROUS)
    out = env.root / "csv"
    env.run("export", "-o", str(out))
    text = (out / "clusters.csv").read_text(encoding="utf-8-sig")
    for dangerous in DANGEROUS:
        assert f",{dangerous}" not in text and f'"{dangerous}' not in text.replace('""', '"')


def test_annotated_copy_and_terminal_keep_values_as_text(env, built):
    edit(built, "inventory", "XC", "XC-C02", "企业数（家）", "=1+1[bold red]x[/]")
    ws = openpyxl.load_workbook(built)
    sheet = sheet_by_kind(ws, "inventory", "XC")
    sheet.cell(row=row_of(sheet, "XC-C02"), column=column_of(sheet, "企业数（家）")).data_type = "s"
    ws.save(built)
    out = env.root / "checked.xlsx"
    result = env.run("validate", str(built), "--annotate", str(out))
    assert result.exit_code == 1
    assert "[bold red]x[/]" in result.stdout  # printed as typed, not as terminal markup
    listing = openpyxl.load_workbook(out)["校验结果"]
    values = [c.value for c in listing["F"]]
    cell = next(c for c in listing["F"] if c.value and str(c.value).startswith("=1+1"))
    assert cell.data_type == "s" and "=1+1[bold red]x[/]" in values


def test_incoming_formulas_and_links_are_never_followed(env, built):
    wb = openpyxl.load_workbook(built)
    ws = sheet_by_kind(wb, "inventory", "XC")
    cell = ws.cell(row=row_of(ws, "XC-C02"), column=column_of(ws, "备注"))
    cell.value = '=WEBSERVICE("http://127.0.0.1:9/x")'
    cell.hyperlink = "http://127.0.0.1:9/y"
    wb.save(built)
    doc = json.loads(env.run("validate", str(built), "--format", "json").stdout)
    issue = next(i for i in doc["files"][0]["issues"] if i["code"] == "formula_no_value")
    assert issue["value"].startswith("=WEBSERVICE")  # reported as data, not evaluated


def test_far_cell_behind_a_namespace_prefix_is_still_seen(env):
    """The cheap extent check looks for `<c r="`; a sheet written with prefixed tags (`<x:c r=…>`) must not
    slip past it."""
    import re
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    wb.active["XFD1048576"] = "y"
    plain = env.root / "plain.xlsx"
    wb.save(plain)
    with zipfile.ZipFile(plain) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    prefixed = re.sub(rb"<(/?)(?![?!])([A-Za-z]+)", rb"<\1x:\2", xml).replace(b' xmlns="', b' xmlns:x="', 1)
    assert b"<x:c " in prefixed and b"<c " not in prefixed
    refused(env, rezip(plain, env.root / "prefixed.xlsx", replace={"xl/worksheets/sheet1.xml": prefixed}), "absurd")


_REAL_READ = []  # the real `read.read_whole`, for the stand-in below (the worker is a fork: it has it too)


def _read_or_die(path):
    """Stands in for `read.read_whole` in the worker process: dies (as the out-of-memory killer would end it)
    on the file named b.xlsx."""
    import os

    if str(path).endswith("b.xlsx"):
        os._exit(9)
    return _REAL_READ[0](path)


def test_a_worker_that_dies_on_one_file_of_a_folder_costs_only_that_file(env, monkeypatch):
    """A folder is read ahead by a worker process; a worker killed on one file makes that file a refusal that
    says so, and the files after it are read by a new worker and merged."""
    from workbook.xlsx import read

    folder = env.root / "returns"
    folder.mkdir()
    built = env.build("a.xlsx")
    for name in ("a.xlsx", "b.xlsx", "c.xlsx"):
        shutil.copy(built, folder / name)
    _REAL_READ[:] = [read.read_whole]
    monkeypatch.setattr(read, "read_whole", _read_or_die)
    result = env.run("merge", str(folder), "--format", "json", lang="en")
    doc = json.loads(result.stdout)
    by_name = {Path(f["path"]).name: f for f in doc["files"]}
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert by_name["a.xlsx"]["ok"] and by_name["c.xlsx"]["ok"]
    assert not by_name["b.xlsx"]["ok"] and "stopped before it ended" in by_name["b.xlsx"]["issues"][-1]["message"]
