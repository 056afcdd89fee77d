"""Region profiles, the region's own record and contact, approximate and inferred values, unit slips: what an
office sees on the sheets and what its edits do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import yaml

from workbook.core.resources import seed_dir
from workbook.store import open_store

from .conftest import column_of, row_of, sheet_by_kind

REGIONS = ("XC", "SX", "JX", "FX", "GD")


def merge(env, path: Path) -> dict:
    result = env.run("merge", str(path), "--format", "json")
    assert "Traceback" not in result.output
    return json.loads(result.stdout)["files"][0]


def issues(env, path: Path) -> list[dict]:
    return json.loads(env.run("validate", str(path), "--format", "json").stdout)["files"][0]["issues"]


def test_every_region_has_its_profile_and_its_record_with_contact(env):
    assert env.run("init").exit_code == 0
    wb = openpyxl.load_workbook(env.build("wb.xlsx"))
    for rid in REGIONS:
        profile = sheet_by_kind(wb, "profile", rid)
        assert profile.title.endswith("地区概况")
        assert [c.value for c in profile[1]][:3] == ["概况编号", "类别", "概况内容"]
        own = sheet_by_kind(wb, "region", rid)
        assert own.title.endswith("地区信息") and own.cell(row=2, column=1).value == rid
        assert {"联系单位", "联系人", "联系电话", "电子邮箱"} <= {c.value for c in own[1]}
    seeded = open_store(env.store).records("statement")
    for rid in REGIONS:  # the seed's region-level statements are on the profile sheets, with source and quote
        mine = {sid: s for sid, s in seeded.items() if s["region"] == rid}
        assert mine, rid
        ws = sheet_by_kind(wb, "profile", rid)
        shown = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
        for sid, s in mine.items():
            r = shown[sid]
            assert ws.cell(row=r, column=column_of(ws, "原文摘录")).value == s["quote"]
            assert ws.cell(row=r, column=column_of(ws, "资料来源")).value == s["source"]


def test_a_contact_and_a_profile_statement_merge_like_any_edit(env):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    own = sheet_by_kind(wb, "region", "FX")
    own.cell(row=2, column=column_of(own, "联系人")).value = "王科长"
    own.cell(row=2, column=column_of(own, "联系电话")).value = "0418-1234567"
    profile = sheet_by_kind(wb, "profile", "FX")
    profile.cell(row=row_of(profile, "FX-S01"), column=column_of(profile, "概况内容")).value = "阜新市已修订集群规划。"
    first = next(r for r in range(2, profile.max_row + 2) if profile.cell(row=r, column=1).value is None)
    profile.cell(row=first, column=column_of(profile, "类别")).value = "问题诊断"
    profile.cell(row=first, column=column_of(profile, "概况内容")).value = "专业市场建设滞后。"
    wb.save(path)
    f = merge(env, path)
    assert f["applied"], f["issues"]
    got = {(c["op"], c["record"], c["field"]) for c in f["changes"]}
    assert {("update", "FX", "contact_person"), ("update", "FX", "contact_phone"),
            ("update", "FX-S01", "statement_zh")} <= got
    inserted = [c for c in f["changes"] if c["op"] == "insert"]
    assert len(inserted) == 1 and inserted[0]["record"].startswith("FX-S")
    assert inserted[0]["new"]["kind"] == "diagnosis"
    st = open_store(env.store)
    assert st.records("region")["FX"]["contact_person"] == "王科长"
    wb2 = openpyxl.load_workbook(env.build("next.xlsx"))
    own2 = sheet_by_kind(wb2, "region", "FX")
    assert own2.cell(row=2, column=column_of(own2, "联系人")).value == "王科长"


def test_the_region_sheet_takes_no_new_rows(env):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    own = sheet_by_kind(wb, "region", "XC")
    own.cell(row=3, column=column_of(own, "地区")).value = "新地区"
    wb.save(path)
    found = issues(env, path)
    assert [(i["code"], i["severity"]) for i in found] == [("no_new_rows", "error")]
    assert "新增地区由汇总单位办理" in found[0]["message"]
    assert env.run("merge", str(path)).exit_code == 1


def test_approximate_figures_show_so_and_stay_numbers(env):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    r = row_of(ws, "XC-C04")  # 140多家 enterprises, 65 above-scale (exact), 3.2万余人
    cell = ws.cell(row=r, column=column_of(ws, "企业数（家）"))
    assert cell.value == 140 and cell.number_format == '#,##0"多"'  # at least 140: the text's 140多家
    exact = ws.cell(row=r, column=column_of(ws, "规上企业数（家）"))
    assert exact.value == 65 and exact.number_format == "#,##0"
    wb_en = openpyxl.load_workbook(env.build("en.xlsx", lang="en"))
    ws_en = sheet_by_kind(wb_en, "inventory", "XC")
    assert ws_en.cell(row=r, column=column_of(ws_en, "Enterprises (count)")).number_format == '"≥"#,##0'
    cell.value = 150  # an exact figure typed clears the flag
    exact.value = "约65"  # the same figure, qualified, sets it
    wb.save(path)
    f = merge(env, path)
    assert f["applied"], f["issues"]
    c04 = open_store(env.store).records("cluster")["XC-C04"]
    assert (c04["enterprises"], c04["above_scale"]) == (150, 65)
    assert set(c04["approx"]) == {"above_scale", "employment", "assets"}  # marks ride on the changes
    ws2 = sheet_by_kind(openpyxl.load_workbook(env.build("next.xlsx")), "inventory", "XC")
    assert ws2.cell(row=r, column=column_of(ws2, "企业数（家）")).number_format == "#,##0"
    assert ws2.cell(row=r, column=column_of(ws2, "规上企业数（家）")).number_format == '"约"#,##0'
    log = env.run("log").stdout
    assert "approx" in log  # a mark changed alone is a change of its own, in the audit trail


def test_inferred_values_are_marked_on_the_sheet_and_cleared_by_a_correction(env):
    dataset = env.root / "dataset"
    shutil.copytree(seed_dir(), dataset)
    clusters = yaml.safe_load((dataset / "clusters.yaml").read_text(encoding="utf-8"))
    c03 = next(c for c in clusters if c["id"] == "XC-C03")
    c03["inferred"] = {"location": "按原文列举的地区归属推断"}
    (dataset / "clusters.yaml").write_text(yaml.safe_dump(clusters, allow_unicode=True, sort_keys=False),
                                           encoding="utf-8")
    assert env.run("init", "--from", str(dataset)).exit_code == 0
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    cell = ws.cell(row=row_of(ws, "XC-C03"), column=column_of(ws, "所在地"))
    assert cell.font.i and cell.comment is not None and "推断值：按原文列举的地区归属推断" in cell.comment.text
    stated = next(c["id"] for c in clusters if c["region"] == "XC" and not c.get("inferred") and c.get("location"))
    plain = ws.cell(row=row_of(ws, stated), column=column_of(ws, "所在地"))
    assert not plain.font.i and plain.comment is None
    cell.value = "长葛市后河镇"
    wb.save(path)
    f = merge(env, path)
    assert f["applied"], f["issues"]
    assert "inferred" not in open_store(env.store).records("cluster")["XC-C03"]


def test_a_figure_in_the_wrong_unit_is_a_warning_that_names_the_slip(env):
    assert env.run("init").exit_code == 0
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    ws.cell(row=row_of(ws, "XC-C03"), column=column_of(ws, "产值（亿元）")).value = 45
    ws.cell(row=row_of(ws, "XC-C03"), column=column_of(ws, "从业人数（人）")).value = 12000
    wb.save(path)
    assert merge(env, path)["applied"]
    path = env.build("wb2.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "inventory", "XC")
    out = ws.cell(row=row_of(ws, "XC-C03"), column=column_of(ws, "产值（亿元）"))
    out.value = 450000  # typed in 万元
    people = ws.cell(row=row_of(ws, "XC-C03"), column=column_of(ws, "从业人数（人）"))
    people.value = 1  # typed in 万人
    typed = ws.cell(row=row_of(ws, "XC-C05"), column=column_of(ws, "产值（亿元）"))
    typed.value = "3.2万"  # a magnitude word across units
    new = ws.max_row + 1
    ws.cell(row=new, column=column_of(ws, "集群名称")).value = "新集群"
    ws.cell(row=new, column=column_of(ws, "企业数（家）")).value = 900000
    wb.save(path)
    found = {(i["code"], i["cell"]): i for i in issues(env, path)}
    slip = found[("unit_slip", out.coordinate)]
    assert slip["severity"] == "warning" and "1万" in slip["message"] and "45" in slip["message"]
    assert "万分之一" in found[("unit_slip", people.coordinate)]["message"]
    assert "12000" in found[("unit_slip", people.coordinate)]["message"]
    assert "0.00032" in found[("unit_magnitude", typed.coordinate)]["message"]
    implausible = [i for i in found.values() if i["code"] == "implausible"]
    assert [i["field"] for i in implausible] == ["enterprises"]
    english = json.loads(env.run("validate", str(path), "--format", "json", lang="en").stdout)
    assert any("about 10,000 times" in i["message"] for i in english["files"][0]["issues"] if i["code"] == "unit_slip")
    assert all(i["severity"] == "warning" for i in found.values())


def test_a_contact_filled_in_a_round_return_shows_in_the_tracker(env):
    from .test_rounds import by_region, open_round, path_of, run_json

    assert env.run("init").exit_code == 0
    opened = open_round(env, "R1", "2026-12-31", "--region", "FX", "--region", "GD")
    path = path_of(opened, "GD")
    wb = openpyxl.load_workbook(path)
    own = sheet_by_kind(wb, "region", "GD")
    own.cell(row=2, column=column_of(own, "联系单位")).value = "省工业和信息化厅"
    own.cell(row=2, column=column_of(own, "联系人")).value = "李处长"
    wb.save(path)
    assert merge(env, path)["applied"]
    tracker = by_region(run_json(env, "status", "--round", "R1"))
    assert "李处长" in tracker["GD"]["contact"] and "省工业和信息化厅" in tracker["GD"]["contact"]
    assert tracker["FX"]["contact"] is None
