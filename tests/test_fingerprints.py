"""Row fingerprints: rows returned as they were issued are known without reading them field by field, and
knowing them so never changes what validation and merging conclude."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pytest

from workbook.returns.validate import identity, validate
from workbook.services import round_trip
from workbook.store import open_store
from workbook.template.schema import load_schema
from workbook.xlsx.digest import row_digest
from workbook.xlsx.read import read_workbook

from .conftest import IN_CI, SOFFICE, column_of, libreoffice_resave, row_of, sheet_by_kind

SCHEMA = load_schema()


def _fingerprints_read_back(env, path: Path) -> tuple[int, int]:
    """(rows whose cells read back with the fingerprint issued for them, data rows in all)."""
    st = open_store(env.store)
    raw = read_workbook(path)
    try:
        issued = st.issued_rows(identity(raw).workbook_id)
        meta = {s["name"]: s for s in raw.meta_sheets}
        matched = total = 0
        for rs in raw.sheets:
            if rs.title not in meta:
                continue
            digests = issued[(meta[rs.title]["kind"], meta[rs.title]["region"])]
            width = len(SCHEMA.sheet(meta[rs.title]["kind"]).fields)
            for _number, values in rs.rows[1:]:
                total += 1
                matched += digests.get(values[0]) == row_digest(values[:width])
    finally:
        raw.close()
    return matched, total


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_row_of_a_fresh_build_reads_back_with_its_fingerprint(env, lang):
    path = env.build("wb.xlsx", lang=lang)
    matched, total = _fingerprints_read_back(env, path)
    assert total > 100 and matched == total


@pytest.mark.skipif(SOFFICE is None and not IN_CI, reason="needs LibreOffice: run scripts/system-deps.sh")
def test_rows_mostly_keep_their_fingerprints_through_a_libreoffice_save(env):
    """LibreOffice rewrites every part; the values, and so most fingerprints, survive it."""
    resaved = libreoffice_resave(env.build("wb.xlsx"), env.root / "lo")
    matched, total = _fingerprints_read_back(env, resaved)
    assert matched >= 0.9 * total


def _outcome(env, path: Path, fingerprints: bool) -> tuple[list[dict], list[tuple]]:
    st = open_store(env.store)
    raw = read_workbook(path)
    try:
        ref = round_trip.reference(st, identity(raw).workbook_id)
        if not fingerprints:
            ref = dataclasses.replace(ref, issued_rows={})
        checked = validate(raw, SCHEMA, ref, "zh")
    finally:
        raw.close()
    rows = [(r.sheet, r.row, r.record, r.valid, r.unchanged, r.delete, sorted(r.values.items(), key=str))
            for r in checked.rows]
    return [i.to_json() for i in checked.issues], rows


def _copy_row(ws_from, row_from: int, ws_to, row_to: int) -> None:
    for cell in ws_from[row_from]:
        ws_to.cell(row=row_to, column=cell.column).value = cell.value


def _edits(path: Path) -> Path:
    """Edits that put rows identical to issued ones where they must not pass unread."""
    wb = openpyxl.load_workbook(path)
    inv = sheet_by_kind(wb, "inventory", "XC")
    other = sheet_by_kind(wb, "inventory", "SX")
    first = row_of(inv, "XC-C01")
    # a changed value, and the same record pasted again below it unchanged: the second is a duplicate
    inv.cell(row=first, column=column_of(inv, "企业数（家）")).value = 4321
    _copy_row(inv, first + 1, inv, inv.max_row + 1)
    _copy_row(inv, first + 1, inv, inv.max_row + 1)
    # a row of one region moved, as it was, to another region's sheet
    _copy_row(inv, first + 2, other, other.max_row + 1)
    for cell in inv[first + 2]:
        cell.value = None
    # a formula over an untouched row's number
    recs = sheet_by_kind(wb, "recommendations", "XC")
    recs.cell(row=2, column=column_of(recs, "进度（%）")).value = "=0.5+0.5"
    out = path.with_name("edited.xlsx")
    wb.save(out)
    return out


def test_fingerprints_change_no_outcome(env):
    edited = _edits(env.build("wb.xlsx"))
    issues, rows = _outcome(env, edited, fingerprints=True)
    assert (issues, rows) == _outcome(env, edited, fingerprints=False)
    codes = {i["code"] for i in issues}
    assert {"duplicate_id", "wrong_region", "row_missing", "formula_no_value"} <= codes
    assert any(not unchanged for *_, unchanged, _d, _v in rows) and sum(r[4] for r in rows) > 80


def test_fingerprints_of_a_book_with_columns_moved_change_no_outcome(env):
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    a, b = column_of(ws, "企业数（家）"), column_of(ws, "从业人数（人）")
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        row[a - 1].value, row[b - 1].value = row[b - 1].value, row[a - 1].value
    wb.save(path)
    assert _outcome(env, path, fingerprints=True) == _outcome(env, path, fingerprints=False)


def test_a_store_made_before_fingerprints_still_validates_and_gains_them(env):
    """A workbook issued by an older store has no fingerprints: it is read the ordinary way, and the next
    build adds the fingerprint table to the store."""
    import sqlite3

    first = env.build("old.xlsx")
    with sqlite3.connect(env.store) as db:
        db.execute("DROP TABLE cwb_issued_rows")
    code = env.run("validate", str(first)).exit_code
    assert code == 0
    matched, total = _fingerprints_read_back(env, env.build("new.xlsx"))
    assert matched == total > 100
