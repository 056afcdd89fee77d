"""The workbook as an official opens it: sheets, headers, values, dropdowns, locks, metadata, both languages."""

from __future__ import annotations

import re
import sqlite3
import zipfile

import openpyxl
import pytest

from workbook.core.scope import Scope
from workbook.store import open_store
from workbook.template.schema import load_schema
from workbook.xlsx.build import sheet_name

from .conftest import column_of, row_of, sheet_by_kind

SCHEMA = load_schema()


@pytest.fixture(scope="module", params=["zh", "en"])
def built(request, tmp_path_factory):
    from .conftest import Env
    env = Env(tmp_path_factory.mktemp(f"build-{request.param}"))
    path = env.build("wb.xlsx", lang=request.param)
    return env, path, request.param


def test_every_region_has_its_sheets_with_the_schema_headers(built):
    env, path, lang = built
    wb = openpyxl.load_workbook(path)
    st = open_store(env.store)
    for region in st.regions():
        for sheet in SCHEMA.sheets:
            has_records = bool(st.records(sheet.entity, region=region))
            if sheet.only_if_records and not has_records:
                assert f"_cwb_{sheet.kind}_{region}" not in wb.defined_names
                continue
            ws = sheet_by_kind(wb, sheet.kind, region)
            headers = [c.value for c in ws[1] if c.value is not None]
            assert headers == [f.title(lang) for f in sheet.fields]
    assert wb.sheetnames[:2] == (["说明", "目录"] if lang == "zh" else ["Instructions", "Index"])


def test_values_match_the_store(built):
    env, path, lang = built
    wb = openpyxl.load_workbook(path)
    st = open_store(env.store)
    ws = sheet_by_kind(wb, "inventory", "XC")
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2) if r[0].value}
    clusters = st.records("cluster", region="XC")
    assert set(rows) == set(clusters)
    dazhou = rows["XC-C04"]
    assert dazhou[column_of(ws, SCHEMA.sheet("inventory").field("employment").title(lang)) - 1].value == 32000
    share = sheet_by_kind(wb, "inventory", "SX")
    col = column_of(share, SCHEMA.sheet("inventory").field("national_share").title(lang))
    ties = next(r for r in share.iter_rows(min_row=2) if r[0].value == "SX-C01")
    assert ties[col - 1].value == pytest.approx(0.9) and ties[col - 1].number_format == "0.0%"
    formation = ties[column_of(share, SCHEMA.sheet("inventory").field("name_zh").title(lang)) - 1].value
    assert formation == "嵊州领带产业集群"
    matrix = sheet_by_kind(wb, "constraints", "XC")
    c08 = next(r for r in matrix.iter_rows(min_row=2) if r[0].value == "XC-C08")
    col = column_of(matrix, SCHEMA.factor("short_chain").title(lang))
    assert c08[col - 1].value == 3
    assert "包装箱" in c08[col - 1].comment.text  # the evidence as a cell note
    recs = sheet_by_kind(wb, "recommendations", "XC")
    factors = recs.cell(row=2, column=column_of(recs, SCHEMA.sheet("recommendations").field("factors").title(lang)))
    assert factors.value.split("、" if lang == "zh" else "; ") == [SCHEMA.factor("infrastructure").title(lang),
                                                                     SCHEMA.factor("talent").title(lang)]


def test_dropdowns_come_from_defined_names_on_the_hidden_lists_sheet(built):
    _env, path, lang = built
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "recommendations", "XC")
    status_col = openpyxl.utils.get_column_letter(
        column_of(ws, SCHEMA.sheet("recommendations").field("status").title(lang)))
    dv = next(dv for dv in ws.data_validations.dataValidation
              if dv.type == "list" and any(r.coord.startswith(f"{status_col}2") for r in dv.sqref.ranges))
    assert dv.formula1 == "cwb_list_rec_status" and dv.showInputMessage and dv.prompt
    target = list(wb.defined_names["cwb_list_rec_status"].destinations)[0]
    values = [c[0].value for c in wb[target[0]][target[1].replace("$", "")]]
    assert values == [o.label(lang) for o in SCHEMA.enums["rec_status"]]
    assert wb[target[0]].sheet_state == "hidden"


def test_data_sheets_unprotected_read_only_columns_grey_and_warned(built):
    """Excel, WPS and LibreOffice refuse to sort, delete or paste rows holding a locked cell on a protected
    sheet: the data sheets are not protected; read-only columns are grey and warn when typed into."""
    _env, path, lang = built
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    assert not ws.protection.sheet
    for title in (("说明", "目录") if lang == "zh" else ("Instructions", "Index")):
        assert wb[title].protection.sheet and not wb[title].protection.password
    inv = SCHEMA.sheet("inventory")
    readonly_validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation if dv.type == "custom"}
    for f in inv.fields:
        col = column_of(ws, f.title(lang))
        # the whole column (empty cells and rows added below the data too) and every written cell
        dim = next(d for d in ws.column_dimensions.values() if d.min <= col <= d.max)
        grey = (dim.fill.fgColor.rgb or "").endswith("EDEDED") if dim.fill else False
        assert grey == (not f.editable), f.key
        letter = openpyxl.utils.get_column_letter(col)
        warned = [dv for ref, dv in readonly_validations.items() if ref.startswith(f"{letter}2:")]
        assert bool(warned) == (not f.editable), f.key
        if warned:
            assert warned[0].errorStyle == "warning" and warned[0].formula1 == "FALSE()" and warned[0].error
    assert ws.freeze_panes == "C2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage  # one page wide (1 is the default width), any height
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows.replace("$", "") == "1:1"
    assert "&P" in ws.oddFooter.right.text


def test_metadata_in_two_places(built):
    env, path, _lang = built
    wb = openpyxl.load_workbook(path)
    meta = {r[0]: r[1] for r in wb["_cwb_meta"].iter_rows(values_only=True) if r[0] != "sheet"}
    assert wb["_cwb_meta"].sheet_state == "veryHidden"
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["cwb_workbook_id"] == meta["workbook_id"]
    assert props["cwb_revision"] == meta["revision"] == "1"
    assert meta["regions"] == "XC,SX,JX,FX,GD"
    issued = open_store(env.store).workbook(meta["workbook_id"])
    assert issued["rev"] == 1 and issued["regions"] == ["XC", "SX", "JX", "FX", "GD"]


def test_index_formulas_carry_their_real_values(built):
    _env, path, lang = built
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[wb.sheetnames[1]]
    xuchang = next(r for r in ws.iter_rows(min_row=4) if r[0].value in ("许昌市", "Xuchang"))
    assert xuchang[2].value == 16           # clusters
    assert xuchang[3].value == 32000        # employment given in the text
    assert xuchang[4].value == "1/16"       # … for one cluster of sixteen
    assert xuchang[8].value == 5            # open recommendations
    # a region whose clusters report no output shows "—", not 0
    shaoxing = next(r for r in ws.iter_rows(min_row=4) if r[0].value in ("绍兴市", "Shaoxing"))
    assert shaoxing[5].value == "—" and shaoxing[6].value == "0/4"
    formulas = openpyxl.load_workbook(path)[wb.sheetnames[1]]
    row = xuchang[0].row
    assert str(formulas.cell(row=row, column=3).value).startswith("=COUNTA(")
    assert formulas.cell(row=row, column=1).hyperlink.location


def test_sheet_names_valid_for_any_region_name():
    taken: set[str] = set()
    for name in ["许昌市", "a" * 60, "A/B:C*D?[E]\\F'", "区" * 40, "区" * 40]:
        result = sheet_name(name, "集群清单", taken)
        assert len(result) <= 31 and not re.search(r"[\[\]:*?/\\]", result)
    assert len(taken) == 5  # the repeated long name got a distinct sheet name


def test_text_from_people_is_never_a_formula_or_link(env):
    st_path = env.store
    env.run("init")
    con = sqlite3.connect(st_path)
    row = con.execute("select data from cwb_records where entity='cluster' and id='XC-C02'").fetchone()
    import json
    data = json.loads(row[0])
    data["notes"] = '=HYPERLINK("http://example.com","x")'
    data["lead_firms"] = "http://example.com"
    con.execute("update cwb_records set data=? where entity='cluster' and id='XC-C02'",
                (json.dumps(data, ensure_ascii=False),))
    con.commit()
    con.close()
    path = env.build("inj.xlsx")
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(z.read(n).decode() for n in sheets)
        rels = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".rels"))
    assert "<f>HYPERLINK" not in xml
    assert "example.com" not in rels
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    cell = ws.cell(row=3, column=column_of(ws, "备注"))
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_split_writes_one_workbook_per_region_each_registered(env):
    result = env.run("build", "--split", "-o", str(env.root / "out"), "--region", "XC", "--region", "GD")
    assert result.exit_code == 0, result.stderr
    files = sorted((env.root / "out").glob("*.xlsx"))
    assert len(files) == 2
    st = open_store(env.store)
    assert sorted(tuple(w["regions"]) for w in st.issued()) == [("GD",), ("XC",)]


def test_unknown_region_is_a_usage_error(env):
    result = env.run("build", "--region", "NOPE")
    assert result.exit_code == 2 and "NOPE" in result.stderr and "Traceback" not in result.output


def test_default_path_in_output_folder(env):
    result = env.run("build")
    assert result.exit_code == 0
    written = list((env.root / "output").glob("cluster-wb-*.xlsx"))
    assert len(written) == 1 and re.fullmatch(r"cluster-wb-\d{8}-\d{6}\.xlsx", written[0].name)


def test_two_builds_in_one_second_keep_both_files(env):
    first = env.run("build")
    second = env.run("build")
    assert first.exit_code == second.exit_code == 0
    assert first.stdout.strip() != second.stdout.strip()
    assert len(list((env.root / "output").glob("cluster-wb-*.xlsx"))) == 2


def test_default_name_taken_gets_a_suffix(tmp_path):
    from workbook.services.workbooks import _unused
    taken = tmp_path / "cluster-wb-20261126-093000.xlsx"
    taken.write_bytes(b"")
    assert _unused(taken).name == "cluster-wb-20261126-093000-2.xlsx"
    assert _unused(tmp_path / "free.xlsx").name == "free.xlsx"


def test_a_book_of_many_regions_keeps_its_identity_within_excel_limits(tmp_path):
    """Sixty regions make an identity longer than the 255 characters Excel allows in a document property:
    the build stays quiet, writes no over-long property, and the returned book still validates clean."""
    import warnings

    from bench.synth import generate
    from workbook.services import round_trip, workbooks
    from workbook.store import open_store

    store = str(tmp_path / "store.sqlite")
    workbooks.init_with_dataset(store, generate(load_schema(), 60, 1), source="synthetic", by="test")
    path = tmp_path / "national.xlsx"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        workbooks.build(open_store(store), output=str(path), region_ids=[], split=False, by="test", lang="zh")
    props = openpyxl.load_workbook(path).custom_doc_props
    assert props["cwb_workbook_id"].value and all(len(str(p.value)) <= 255 for p in props)
    [result] = round_trip.validate_files(open_store(store), [str(path)], "zh", scope=Scope.everything("test"))
    assert result.errors == 0 and len(result.checked.identity.regions) == 60


def test_a_short_note_with_line_breaks_gets_a_row_tall_enough_for_its_lines(tmp_path):
    """No application autofits row heights on opening: a three-line note in a wide column must still show
    its three lines, not only texts too long for their column do."""
    from bench.synth import generate
    from workbook.services import workbooks
    from workbook.store import open_store

    dataset = generate(load_schema(), 1, 3)
    one, two = sorted(dataset["cluster"])[:2]
    for cid in (one, two):  # texts that fit their columns on one line
        dataset["cluster"][cid].update(name_zh="甲集群", location="甲镇", lead_firms="甲公司", organisation="甲协会",
                                       quote="甲", industry="纺织")
    dataset["cluster"][one]["notes"] = "已核\n待复查\n再议"
    store = str(tmp_path / "store.sqlite")
    workbooks.init_with_dataset(store, dataset, source="synthetic", by="test")
    path = tmp_path / "wb.xlsx"
    workbooks.build(open_store(store), output=str(path), region_ids=[], split=False, by="test", lang="zh")
    ws = sheet_by_kind(openpyxl.load_workbook(path), "inventory", dataset["cluster"][one]["region"])
    three_lines, other = ws.row_dimensions[row_of(ws, one)].height, ws.row_dimensions[row_of(ws, two)].height
    assert three_lines >= 3 * 13.5 and three_lines > other
