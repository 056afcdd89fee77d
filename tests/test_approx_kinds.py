"""Approximation as a kind (at least, at most, about, range), from what an official types to the export and the
report; an old store's one flag read as "about"; and every inference mark of the dataset on the built workbook."""

from __future__ import annotations

import json

import openpyxl
import pytest
import yaml

from workbook.core.messages import t
from workbook.core.resources import seed_dir
from workbook.template.field_types import normalize_value
from workbook.template.schema import load_schema

from .conftest import column_of, edit, row_of, sheet_by_kind

SCHEMA = load_schema()
INV = SCHEMA.sheet("inventory")


def title(key: str, lang: str = "zh") -> str:
    return INV.field(key).title(lang)


@pytest.mark.parametrize("key,raw,value,kind,high", [
    ("enterprises", "1100多", 1100, "at_least", None),
    ("enterprises", "1100多家", 1100, "at_least", None),
    ("employment", "3.2万余人", 32000, "at_least", None),
    ("enterprises", "超过10家", 10, "at_least", None),
    ("national_share", "95%以上", 95, "at_least", None),
    ("output", "近30亿元", 30, "at_most", None),
    ("enterprises", "不到30家", 30, "at_most", None),
    ("enterprises", "30家以下", 30, "at_most", None),
    ("national_share", "约95%", 95, "about", None),
    ("enterprises", "95左右", 95, "about", None),
    ("enterprises", "5至6", 5, "range", 6),
    ("enterprises", "5-6家", 5, "range", 6),
    ("employment", "1至1.5万人", 10000, "range", 15000),
    ("enterprises", "1100", 1100, None, None),
    ("enterprises", 1100, 1100, None, None),
])
def test_typing_sets_the_kind(key, raw, value, kind, high):
    out = normalize_value(SCHEMA, INV.field(key), raw)
    assert (out.value, out.approximate or None, out.high) == (value, kind, high)


def exported(env) -> dict:
    out = env.root / "export.json"
    assert env.run("export", "-o", str(out), "--format", "json").exit_code == 0
    return json.loads(out.read_text(encoding="utf-8"))


def record(doc: dict, table: str, rid: str) -> dict:
    return next(r for r in doc[table] if r["id"] == rid)


def combined(kinds: set[str]) -> str | None:
    """What a sum of such figures is: at least where every part is a lower bound (a range counts its low one)."""
    if not kinds:
        return None
    if kinds <= {"at_least", "range"}:
        return "at_least"
    return "at_most" if kinds == {"at_most"} else "about"


def test_each_kind_from_the_cell_to_the_export_and_the_report(env):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    for key, typed in (("enterprises", "150多"), ("employment", "近3.5万人"), ("above_scale", "60至70"),
                       ("assets", 31)):  # assets: 近30亿元 in the text, an exact figure now
        edit(path, "inventory", "XC", "XC-C04", title(key), typed)
    edit(path, "inventory", "XC", "XC-C02", title("output"), "约30亿元")
    check = env.json("validate", str(path))
    assert check["ok"], check
    merged = env.json("merge", str(path), "--by", "tester")
    assert merged["ok"] and merged["files"][0]["applied"], merged
    doc = exported(env)
    c04 = record(doc, "clusters", "XC-C04")
    assert (c04["enterprises"], c04["employment"], c04["above_scale"], c04["assets"]) == (150, 35000, 60, 31)
    assert c04["approx"] == {"enterprises": {"kind": "at_least", "high": None},
                             "employment": {"kind": "at_most", "high": None},
                             "above_scale": {"kind": "range", "high": 70}}
    assert record(doc, "clusters", "XC-C02")["approx"]["output"] == {"kind": "about", "high": None}

    # the next workbook shows each kind by its number format, the cell still a number
    for lang, formats in (("zh", {"enterprises": '#,##0"多"', "employment": '"近"#,##0',
                                  "above_scale": '#,##0"至70"', "assets": None}),
                          ("en", {"enterprises": '"≥"#,##0', "employment": '"≤"#,##0',
                                  "above_scale": '#,##0"–70"', "assets": None})):
        ws = sheet_by_kind(openpyxl.load_workbook(env.build(f"next-{lang}.xlsx", lang=lang)), "inventory", "XC")
        r = row_of(ws, "XC-C04")
        for key, fmt in formats.items():
            cell = ws.cell(row=r, column=column_of(ws, title(key, lang)))
            assert cell.data_type == "n", key
            if fmt is None:
                assert '"' not in cell.number_format, (key, cell.number_format)
            else:
                assert cell.number_format == fmt, (lang, key, cell.number_format)
        out = ws.cell(row=row_of(ws, "XC-C02"), column=column_of(ws, title("output", lang))).number_format
        assert out.startswith('"约"' if lang == "zh" else '"≈"'), out

    # the analysts' export names the kind, and keeps a range's high bound
    for lang, label in (("zh", "至少"), ("en", "at least")):
        out = env.root / f"dataset-{lang}.xlsx"
        assert env.run("export", "-o", str(out), "--format", "xlsx", lang=lang).exit_code == 0
        ws = next(ws for ws in openpyxl.load_workbook(out) if "clusters" in ws.tables)
        heads = [c.value for c in ws[1]]
        row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "XC-C04")
        assert row[heads.index(t("exp_approx", lang, title=title("enterprises", lang)))].value == label
        assert row[heads.index(t("exp_approx", lang, title=title("above_scale", lang)))].value == \
            ("区间" if lang == "zh" else "range")
        assert row[heads.index(t("exp_high", lang, title=title("above_scale", lang)))].value == 70
        assert row[heads.index(t("exp_high", lang, title=title("enterprises", lang)))].value is None

    # the report: a sum of lower bounds is a lower bound, and says so
    report = env.json("report", code=0)
    xc_clusters = [c for c in doc["clusters"] if c["region"] == "XC"]
    xc = next(r for r in report["regions"] if r["region"] == "XC")
    for key in ("enterprises", "employment", "output"):
        kinds = {(c.get("approx") or {}).get(key, {}).get("kind") for c in xc_clusters
                 if c.get(key) is not None} - {None}
        expected = combined(kinds)
        assert (xc.get("approx") or {}).get(key, {}).get("kind") == expected, (key, kinds, xc.get("approx"))
    assert xc["approx"]["enterprises"]["kind"] == "at_least"
    book = env.root / "report.xlsx"
    assert env.run("report", "-o", str(book)).exit_code == 0
    wb = openpyxl.load_workbook(book)
    shown = [c.number_format for ws in wb for row in ws.iter_rows() for c in row
             if c.data_type == "n" and c.value == xc["enterprises"]]
    assert any(f.endswith('"多"') for f in shown), shown


def test_an_exact_figure_typed_clears_the_kind_and_a_new_kind_replaces_it(env):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", title("enterprises"), "145")  # 140多家 in the text, 145 now
    edit(path, "inventory", "XC", "XC-C04", title("employment"), "约3.2万人")  # 3.2万余人: same figure, new kind
    assert env.json("merge", str(path))["ok"]
    c04 = record(exported(env), "clusters", "XC-C04")
    assert c04["enterprises"] == 145 and "enterprises" not in c04["approx"]
    assert c04["approx"]["employment"] == {"kind": "about", "high": None}


def test_an_old_store_reads_its_one_flag_as_about(env):
    assert env.run("init").exit_code == 0
    before = exported(env)
    old = {}  # what a cluster-wb of store format 5 wrote: a list of the approximate fields
    for entity, table in (("cluster", "clusters"), ("indicator", "indicators")):
        for rec in before[table]:
            if rec.get("approx"):
                data = {k: v for k, v in rec.items() if k != "id"} | {"approx": sorted(rec["approx"])}
                env.sql("UPDATE cwb_records SET data = :data WHERE entity = :e AND id = :id",
                        data=json.dumps(data, ensure_ascii=False), e=entity, id=rec["id"])
                old[(table, rec["id"])] = sorted(rec["approx"])
    env.sql("UPDATE cwb_meta SET value = '5' WHERE key = 'format'")
    assert len(old) >= 10
    after = exported(env)  # the first command upgrades the store
    for (table, rid), keys in old.items():
        assert record(after, table, rid)["approx"] == {k: {"kind": "about", "high": None} for k in keys}, rid
    assert env.sql("SELECT value FROM cwb_meta WHERE key = 'format'") == [("6",)]
    entries = env.json("log")["entries"]
    upgraded = [e for e in entries if e["field"] == "approx" and e["by"] == "cluster-wb"]
    assert len(upgraded) == len(old)
    sample = next(e for e in upgraded if e["record"] == "XC-C04")
    assert sample["old"] == old[("clusters", "XC-C04")] and sample["new"]["enterprises"]["kind"] == "about"
    # its records read as any other: the workbook shows them as about
    ws = sheet_by_kind(openpyxl.load_workbook(env.build("old.xlsx")), "inventory", "XC")
    cell = ws.cell(row=row_of(ws, "XC-C04"), column=column_of(ws, title("enterprises")))
    assert cell.number_format == '"约"#,##0'


def _seed(name: str) -> list[dict]:
    return yaml.safe_load((seed_dir() / name).read_text(encoding="utf-8")) or []


def _marks() -> list[tuple[str, str, str, str, str]]:
    """Every inference mark of the dataset: (sheet kind, region, record, field, reason)."""
    marks = []
    for entity in SCHEMA.entities.values():
        try:
            sheet = SCHEMA.sheet_for_entity(entity.name)
        except KeyError:
            continue
        for rec in _seed(entity.seed_file):
            for key, reason in (rec.get("inferred") or {}).items():
                if entity.seed_form == "diagnoses":  # a diagnosis: the factor's cell of each cluster it names
                    assert key == "clusters"
                    marks += [(sheet.kind, cid.split("-")[0], cid, rec["factor"], reason) for cid in rec["clusters"]]
                else:
                    marks.append((sheet.kind, rec["region"] if entity.name != "region" else rec["id"],
                                  rec["id"], key, reason))
    return marks


def test_every_inference_mark_of_the_dataset_reaches_the_workbook(env):
    marks = _marks()
    assert len(marks) >= 30
    assert ("constraints", "XC", "XC-C14", "short_chain") in {m[:4] for m in marks}
    for lang in ("zh", "en"):
        wb = openpyxl.load_workbook(env.build(f"marks-{lang}.xlsx", lang=lang))
        for kind, region, rid, key, reason in marks:
            ws = sheet_by_kind(wb, kind, region)
            sheet = next(s for s in SCHEMA.sheets if s.kind == kind)
            head = next(f.title(lang) for f in sheet.fields if f.key == key) if key in {f.key for f in sheet.fields} \
                else next(fac.title(lang) for fac in SCHEMA.factors if fac.id == key)
            cell = ws.cell(row=row_of(ws, rid), column=column_of(ws, head))
            assert cell.value not in (None, ""), (kind, rid, key)
            assert cell.comment is not None and reason in cell.comment.text, (lang, kind, rid, key)
            assert cell.font.i, (lang, kind, rid, key)  # italic: the sign of an inferred value


def test_a_matrix_cell_keeps_its_quote_beside_the_inference(env):
    wb = openpyxl.load_workbook(env.build())
    ws = sheet_by_kind(wb, "constraints", "XC")
    factor = next(fac for fac in SCHEMA.factors if fac.id == "short_chain")
    cell = ws.cell(row=row_of(ws, "XC-C14"), column=column_of(ws, factor.title_zh))
    assert cell.value == 3
    assert "许昌市的纺织工业大都已初级的纺织为主" in cell.comment.text and "推断" in cell.comment.text


def test_the_seed_gives_each_approximate_figure_its_kind():
    clusters = {c["id"]: c for c in _seed("clusters.yaml")}
    indicators = {i["id"]: i for i in _seed("indicators.yaml")}
    kinds = {(rid, key): m["kind"] for table in (clusters, indicators) for rid, rec in table.items()
             for key, m in (rec.get("approx") or {}).items()}
    assert all(isinstance(m, dict) and set(m) == {"kind", "high"} for rec in [*clusters.values(),
               *indicators.values()] for m in (rec.get("approx") or {}).values())
    assert kinds[("SX-C01", "enterprises")] == "at_least"  # 1100多家
    assert kinds[("SX-I05", "value")] == "at_least"  # 95%以上
    assert kinds[("XC-I08", "value")] == "at_most"  # 近70亿元
    assert kinds[("XC-C04", "assets")] == "at_most"  # 近30亿元
    assert kinds[("XC-I06", "value")] == "about"  # 0.3元左右
    jx = indicators["JX-I02"]  # 5至6家
    assert (jx["value"], jx["approx"]["value"]) == (5, {"kind": "range", "high": 6})


def _checked(env, path, lang: str = "zh") -> dict:
    """What `validate --format json` says of one file."""
    return env.json("validate", str(path), lang=lang)["files"][0]


def _at(issues: list[dict], code: str) -> list[dict]:
    return [i for i in issues if i["code"] == code]


def test_a_qualifier_typed_alone_is_a_change_of_its_own(env):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", title("above_scale"), "65多")  # 65 stored, exact: now at least 65
    merged = env.json("merge", str(path), "--by", "tester")
    assert merged["ok"] and merged["files"][0]["applied"], merged
    changes = merged["files"][0]["changes"]
    assert [(c["record"], c["field"]) for c in changes] == [("XC-C04", "approx")]
    assert changes[0]["new"]["above_scale"] == {"kind": "at_least", "high": None}
    c04 = record(exported(env), "clusters", "XC-C04")
    assert c04["above_scale"] == 65 and c04["approx"]["above_scale"] == {"kind": "at_least", "high": None}
    entry = next(e for e in env.json("log")["entries"] if e["record"] == "XC-C04" and e["by"] == "tester")
    assert entry["field"] == "approx" and "above_scale" not in entry["old"]
    assert entry["new"]["above_scale"]["kind"] == "at_least"


def test_a_kind_that_rides_on_a_new_figure_is_audited(env):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C01", title("enterprises"), "1100多")  # was empty
    merged = env.json("merge", str(path), "--by", "tester")
    assert merged["ok"] and merged["files"][0]["applied"], merged
    changes = {c["field"]: c for c in merged["files"][0]["changes"] if c["record"] == "XC-C01"}
    assert (changes["enterprises"]["old"], changes["enterprises"]["new"]) == (None, 1100)
    assert changes["approx"]["old"] is None
    assert changes["approx"]["new"] == {"enterprises": {"kind": "at_least", "high": None}}
    logged = {e["field"]: e for e in env.json("log")["entries"] if e["record"] == "XC-C01" and e["by"] == "tester"}
    assert logged["approx"]["new"] == {"enterprises": {"kind": "at_least", "high": None}}
    assert record(exported(env), "clusters", "XC-C01")["approx"] == {"enterprises": {"kind": "at_least", "high": None}}
    # an exact figure typed later clears it with its value's change: an edit of a figure stays one change
    path = env.build("wb2.xlsx")
    edit(path, "inventory", "XC", "XC-C01", title("enterprises"), 1200)
    merged = env.json("merge", str(path), "--by", "second")
    assert [(c["field"], c["new"]) for c in merged["files"][0]["changes"]] == [("enterprises", 1200)]
    assert not record(exported(env), "clusters", "XC-C01").get("approx")
    # and a kind retyped over a kind is audited as one
    path = env.build("wb3.xlsx")
    edit(path, "inventory", "XC", "XC-C01", title("enterprises"), "近1300")
    assert env.json("merge", str(path), "--by", "third")["ok"]
    logged = {e["field"]: e for e in env.json("log")["entries"] if e["record"] == "XC-C01" and e["by"] == "third"}
    assert logged["approx"]["old"] is None and logged["approx"]["new"]["enterprises"]["kind"] == "at_most"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_exact_figure_typed_over_a_qualified_one_is_said_at_its_cell(env, lang):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx", lang=lang)
    edit(path, "inventory", "XC", "XC-C04", title("enterprises", lang), 145)  # 140多家: the cell shows 140多
    issues = _checked(env, path, lang)["issues"]
    said = _at(issues, "approx_dropped")
    assert len(said) == 1 and said[0]["record"] == "XC-C04" and said[0]["field"] == "enterprises", issues
    ws = sheet_by_kind(openpyxl.load_workbook(path), "inventory", "XC")
    assert said[0]["cell"] == ws.cell(row=row_of(ws, "XC-C04"), column=column_of(ws, title("enterprises", lang))
                                      ).coordinate
    words = ("确切数", "145", "下次") if lang == "zh" else ("exact", "145", "next workbook")
    assert all(w in said[0]["message"] for w in words), said[0]["message"]
    assert said[0]["severity"] == "warning"


def test_an_unchanged_figure_typed_as_text_clears_its_qualifier(env):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C04", title("enterprises"), 140)  # a number, as it was: no change
    assert env.json("merge", str(path), "--dry-run")["files"][0]["changes"] == []
    edit(path, "inventory", "XC", "XC-C04", title("enterprises"), "140")  # the README's way: the figure as text
    assert not _at(_checked(env, path)["issues"], "approx_dropped")
    merged = env.json("merge", str(path), "--by", "tester")
    assert [c["field"] for c in merged["files"][0]["changes"]] == ["approx"], merged
    c04 = record(exported(env), "clusters", "XC-C04")
    assert c04["enterprises"] == 140 and "enterprises" not in c04["approx"]
    assert c04["approx"]["employment"]["kind"] == "at_least"  # the record's other marks stay


@pytest.mark.parametrize("key,typed,low,high", [
    ("enterprises", "6至5", 6, 5), ("national_share", "60%-50%", 60, 50), ("employment", "2万至1万", 20000, 10000)])
def test_a_range_whose_high_bound_is_below_its_low_one_is_an_error(env, key, typed, low, high):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C01", title(key), typed)
    for lang in ("zh", "en"):
        check = _checked(env, path, lang)
        said = _at(check["issues"], "range_order")
        assert not check["ok"] and len(said) == 1 and said[0]["severity"] == "error", check["issues"]
        assert f"{low:,}".replace(",", "") in said[0]["message"].replace(",", "") and \
            f"{high}" in said[0]["message"].replace(",", ""), said[0]["message"]
        assert said[0]["field"] == key and said[0]["record"] == "XC-C01"


@pytest.mark.parametrize("key,typed,code", [
    ("national_share", "50至200", "range"),  # a share above 100 %
    ("enterprises", "10至9999999", "implausible"),
    ("output", "1至99999", "implausible"),
])
def test_a_range_high_bound_is_checked_as_the_value_is(env, key, typed, code):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C01", title(key), typed)
    issues = _checked(env, path)["issues"]
    said = [i for i in _at(issues, code) if i["field"] == key]
    assert len(said) == 1 and said[0]["record"] == "XC-C01", issues
    high = typed.split("至")[1]
    assert high in said[0]["message"].replace(",", ""), said[0]["message"]


@pytest.mark.parametrize("raw,zh,en", [
    ("1100多", "“1100多”记为 1100（下限：至少 1100）", "at least 1100"),
    ("近30", "上限：至多 30", "at most 30"),
    ("约95", "约 95", "about 95"),
    ("5至6", "“5至6”记为 5–6（区间）", "5–6 (a range)"),
])
def test_the_approximate_warning_names_the_kind(env, raw, zh, en):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C01", title("enterprises"), raw)
    for lang, words in (("zh", zh), ("en", en)):
        said = _at(_checked(env, path, lang)["issues"], "approximate")
        assert len(said) == 1 and words in said[0]["message"], (lang, said)


def test_the_dataset_shows_a_share_range_high_bound_as_the_share_is(env):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C01", title("national_share"), "5%至6%")
    assert env.json("merge", str(path))["ok"]
    out = env.root / "dataset.xlsx"
    assert env.run("export", "-o", str(out), "--format", "xlsx").exit_code == 0
    ws = next(ws for ws in openpyxl.load_workbook(out) if "clusters" in ws.tables)
    heads = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "XC-C01")
    value = row[heads.index(title("national_share"))]
    high = row[heads.index(t("exp_high", "zh", title=title("national_share")))]
    assert (value.value, high.value) == (pytest.approx(0.05), pytest.approx(0.06))
    assert high.number_format == value.number_format == "0.0%"


def test_a_range_shows_both_bounds_with_the_field_decimals(env):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    edit(path, "inventory", "XC", "XC-C01", title("output"), "5至6亿元")
    edit(path, "inventory", "XC", "XC-C01", title("national_share"), "5%至6%")
    assert env.json("merge", str(path))["ok"]
    for lang, formats in (("zh", ('#,##0.00"至6.00"', '0.0%"至6.0%"')), ("en", ('#,##0.00"–6.00"', '0.0%"–6.0%"'))):
        ws = sheet_by_kind(openpyxl.load_workbook(env.build(f"next-{lang}.xlsx", lang=lang)), "inventory", "XC")
        r = row_of(ws, "XC-C01")
        shown = tuple(ws.cell(row=r, column=column_of(ws, title(k, lang))).number_format
                      for k in ("output", "national_share"))
        assert shown == formats


@pytest.mark.parametrize("raw,value,kind,high", [
    ("约5至6", 5, "range", 6), ("约5至6家", 5, "range", 6), ("5到6个", 5, "range", 6), ("大约5-6家", 5, "range", 6)])
def test_a_range_may_be_said_to_be_about_so(raw, value, kind, high):
    out = normalize_value(SCHEMA, INV.field("enterprises"), raw)
    assert (out.value, out.approximate, out.high) == (value, kind, high)
    assert not [n for n in out.notes if n.severity == "error"]


def test_a_range_with_a_wrong_unit_quotes_what_was_typed():
    out = normalize_value(SCHEMA, INV.field("enterprises"), "5至6吨")
    assert out.value is None and [(n.code, n.params["text"]) for n in out.notes] == [("unit", "5至6吨")]


def test_a_share_typed_as_a_fraction_says_what_was_stored():
    out = normalize_value(SCHEMA, INV.field("national_share"), "0.5")
    assert out.value == 50
    note = next(n for n in out.notes if n.code == "percent_guess")
    assert note.params["value"] == 50
