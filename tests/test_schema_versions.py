"""Templates that change: a coordinator edits the store's schema and applies it with `schema apply`; workbooks
issued under the old template still validate and merge, mapped forward; changes that would lose stored data are
refused and change nothing; slips in the file are named by their line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest

from workbook.store.tables import STORE_FORMAT

from .conftest import IN_CI, SOFFICE, UNO_PYTHON, column_of, edit, libreoffice_edit, row_of, sheet_by_kind

pytestmark = pytest.mark.both_stores

TAX_FIELD = (
    "      - {key: tax_per_mu, title: {zh: 亩均税收（万元）, en: Tax per mu (10k yuan)}, type: number,\n"
    '''         unit: 万元,
         min: 0, max: 10000, width: 8,
         help: {zh: 每亩土地的年税收（万元）。, en: "Annual tax per mu of land, in 10,000 yuan."}}
''')
LOGISTICS = '''  - {id: logistics, group: inputs, zh: 物流成本高, en: Logistics costs,
     help: {zh: 物流不畅、运输成本高。, en: "Poor logistics, high transport costs."}}
'''


def current_yaml(env) -> str:
    result = env.run("schema", "--format", "yaml")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def field_line(text: str, key: str) -> str:
    """The whole flow mapping of one field (it spans lines up to its help)."""
    match = re.search(r"      - \{key: " + key + r",.*?\n(?:         .*\n)*", text)
    assert match, key
    return match.group(0)


def write(env, name: str, text: str) -> Path:
    path = env.root / name
    path.write_text(text, encoding="utf-8")
    return path


def province_v2(env) -> Path:
    """Add 亩均税收 and a logistics factor, rename the 成长期 label, retire the cluster-organisation field."""
    text = current_yaml(env)
    text = text.replace("      - {key: assets,", TAX_FIELD + "      - {key: assets,", 1)
    text = text.replace("{code: growth, zh: 成长期, en: Growing,", "{code: growth, zh: 成长阶段, en: Growth stage,")
    text = text.replace(field_line(text, "organisation"), "")
    text = text.replace("  - {id: environment,", LOGISTICS + "  - {id: environment,")
    return write(env, "province-v2.yaml", text + "\nmigrate:\n  retire: [inventory.organisation]\n")


def export(env) -> dict:
    out = env.root / "export.json"
    assert env.run("export", "-o", str(out), "--format", "json").exit_code == 0
    return json.loads(out.read_text(encoding="utf-8"))


def cluster(env, cid: str) -> dict:
    return next(c for c in export(env)["clusters"] if c["id"] == cid)


def test_a_new_store_keeps_the_bundled_schema_as_its_version_1(env):
    from workbook.core.resources import templates_dir
    assert current_yaml(env) == (templates_dir() / "schema.yaml").read_text(encoding="utf-8")
    assert env.json("schema")["version"] == "1"
    missing = env.run("schema", "--version", "3")
    assert missing.exit_code == 2 and "3" in missing.stderr and "Traceback" not in missing.output


def test_the_coordinator_adapts_the_template_and_old_workbooks_still_merge(env):
    old = env.build("before.xlsx")
    revision = env.json("log", "--limit", "1")["entries"][0]["revision"]
    v2 = province_v2(env)

    dry = env.run("schema", "apply", str(v2), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    for said in ("tax_per_mu", "logistics", "成长阶段", "organisation"):
        assert said in dry.stdout
    assert env.json("schema")["version"] == "1"  # a dry run changes nothing
    assert env.json("log", "--limit", "1")["entries"][0]["revision"] == revision

    applied = env.run("schema", "apply", str(v2), "--by", "省工信厅")
    assert applied.exit_code == 0, applied.stderr
    doc = env.json("schema")
    assert doc["version"] == "2" and [v["version"] for v in doc["versions"]] == [1, 2]
    inventory = next(s for s in doc["sheets"] if s["kind"] == "inventory")
    keys = [f["key"] for f in inventory["fields"]]
    assert "tax_per_mu" in keys and "organisation" not in keys
    assert "logistics" in [f["id"] for f in doc["constraint_factors"]]
    # the retired field's values left the records in one revision, an audit entry each, and stay in the history
    entries = env.json("log", "--limit", "10")["entries"]
    migration = [e for e in entries if e["revision"] == revision + 1]
    assert migration and {e["field"] for e in migration} == {"organisation"}
    assert {e["source"] for e in migration} == {"province-v2.yaml"} and {e["by"] for e in migration} == {"省工信厅"}
    assert "organisation" not in cluster(env, "GD-C07")
    assert env.json("schema", "--version", "1")["version"] == "1"
    assert "organisation" in current_yaml_of(env, 1) and "tax_per_mu" in current_yaml(env)

    # the workbook built before the change: an edit, a value under the renamed label, a retired column typed in
    edit(old, "inventory", "XC", "XC-C02", "企业数（家）", 777)
    edit(old, "inventory", "XC", "XC-C02", "发展阶段", "成长期")
    edit(old, "inventory", "XC", "XC-C02", "集群促进机构", "许昌市发制品协会")
    checked = env.json("validate", str(old), code=0)["files"][0]
    codes = [i["code"] for i in checked["issues"]]
    assert checked["errors"] == 0 and "schema_mapped" in codes
    retired = next(i for i in checked["issues"] if i["code"] == "column_retired")
    ws = sheet_by_kind(openpyxl.load_workbook(old), "inventory", "XC")
    assert retired["cell"] == f"{openpyxl.utils.get_column_letter(column_of(ws, '集群促进机构'))}{row_of(ws, 'XC-C02')}"
    merged = env.json("merge", str(old), code=0)["files"][0]
    assert merged["applied"]
    assert {(c["field"], c["new"]) for c in merged["changes"]} == {("enterprises", 777), ("stage", "growth")}
    stage_cell = next(c["cell"] for c in merged["changes"] if c["field"] == "stage")
    assert stage_cell == f"{openpyxl.utils.get_column_letter(column_of(ws, '发展阶段'))}{row_of(ws, 'XC-C02')}"
    after = cluster(env, "XC-C02")
    assert after["enterprises"] == 777 and after["stage"] == "growth" and "organisation" not in after

    # a workbook built after the change: the new column and factor, with their dropdown or check and help
    new = env.build("after.xlsx")
    wb = openpyxl.load_workbook(new)
    ws = sheet_by_kind(wb, "inventory", "XC")
    tax_col = openpyxl.utils.get_column_letter(column_of(ws, "亩均税收（万元）"))
    tax_dv = next(dv for dv in ws.data_validations.dataValidation if f"{tax_col}2" in str(dv.sqref))
    assert tax_dv.type == "decimal" and "每亩土地的年税收" in tax_dv.prompt
    with pytest.raises(KeyError):
        column_of(ws, "集群促进机构")
    stage_col = openpyxl.utils.get_column_letter(column_of(ws, "发展阶段"))
    stage_dv = next(dv for dv in ws.data_validations.dataValidation if f"{stage_col}2" in str(dv.sqref))
    assert stage_dv.type == "list"
    assert "成长阶段" in list_values(wb, stage_dv.formula1)
    matrix = sheet_by_kind(wb, "constraints", "XC")
    log_col = openpyxl.utils.get_column_letter(column_of(matrix, "物流成本高"))
    assert any(dv.type == "list" and f"{log_col}2" in str(dv.sqref) for dv in matrix.data_validations.dataValidation)
    source_col = openpyxl.utils.get_column_letter(column_of(ws, "资料来源"))  # read-only columns stay so
    assert any(dv.type == "custom" and dv.formula1 == "FALSE()" and f"{source_col}2" in str(dv.sqref)
               for dv in ws.data_validations.dataValidation)
    assert tax_dv.type != "custom"
    edit(new, "inventory", "XC", "XC-C02", "亩均税收（万元）", 12.5)
    edit(new, "constraints", "XC", "XC-C02", "物流成本高", 2)
    merged = env.json("merge", str(new), code=0)["files"][0]
    assert {(c["field"], c["new"]) for c in merged["changes"]} == {("tax_per_mu", 12.5), ("logistics", 2)}
    assert cluster(env, "XC-C02")["tax_per_mu"] == 12.5


def current_yaml_of(env, version: int) -> str:
    result = env.run("schema", "--format", "yaml", "--version", str(version))
    assert result.exit_code == 0
    return result.stdout


def list_values(wb: openpyxl.Workbook, formula: str) -> list[str]:
    """The values a dropdown offers: its defined name's range on the hidden lists sheet."""
    name = formula.lstrip("=")
    title, ref = next(iter(wb.defined_names[name].destinations))
    return [c.value for row in wb[title][ref.replace("$", "")] for c in row if c.value is not None]


def test_a_renamed_field_maps_and_a_conflict_names_the_old_workbooks_cell(env):
    old = env.build("before.xlsx")
    before = {c["id"]: c.get("assets") for c in export(env)["clusters"]}
    text = current_yaml(env)
    line = field_line(text, "assets")
    renamed = line.replace("{key: assets,", "{key: total_assets, renamed_from: assets,").replace(
        "资产规模（亿元）", "资产总额（亿元）")
    v2 = write(env, "v2.yaml", text.replace(line, renamed))
    applied = env.run("schema", "apply", str(v2))
    assert applied.exit_code == 0 and "assets → total_assets" in applied.stdout
    after = {c["id"]: c for c in export(env)["clusters"]}
    assert {cid: c.get("total_assets") for cid, c in after.items()} == before  # each value moved with its key
    assert not any("assets" in c for c in after.values())
    newer = env.build("newer.xlsx")
    edit(newer, "inventory", "XC", "XC-C02", "资产总额（亿元）", 50)
    assert env.json("merge", str(newer), code=0)["files"][0]["applied"]
    edit(old, "inventory", "XC", "XC-C02", "资产规模（亿元）", 60)
    result = env.json("merge", str(old), code=1)["files"][0]
    conflict = result["conflicts"][0]
    ws = sheet_by_kind(openpyxl.load_workbook(old), "inventory", "XC")
    assert conflict["field"] == "total_assets" and conflict["ours"] == 50 and conflict["theirs"] == 60
    column = openpyxl.utils.get_column_letter(column_of(ws, "资产规模（亿元）"))
    assert conflict["cell"] == f"{column}{row_of(ws, 'XC-C02')}"
    assert cluster(env, "XC-C02")["total_assets"] == 50


def test_the_fields_the_index_and_report_use_keep_their_keys(env):
    text = current_yaml(env)
    line = field_line(text, "employment")
    renamed = line.replace("{key: employment,", "{key: jobs, renamed_from: employment,")
    v2 = write(env, "v2.yaml", text.replace(line, renamed))
    refused(env, v2, "inventory.employment", "cannot be renamed")


def refused(env, path: Path, *expected: str) -> str:
    version, revision = env.json("schema")["version"], env.json("log", "--limit", "1")["entries"][0]["revision"]
    result = env.run("schema", "apply", str(path), lang="en")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "not applied" in result.stderr
    for word in expected:
        assert word in result.stderr, result.stderr
    assert env.json("schema")["version"] == version
    assert env.json("log", "--limit", "1")["entries"][0]["revision"] == revision
    return result.stderr


def test_a_range_that_stored_values_exceed_is_refused_until_the_file_says_what_to_do(env):
    text = current_yaml(env)
    line = field_line(text, "enterprises")
    narrowed = text.replace(line, line.replace("max: 1000000", "max: 1000"))
    refused(env, write(env, "v2.yaml", narrowed), "inventory.enterprises", "SX-C02 (8500)", "migrate")
    v2 = write(env, "v2b.yaml", narrowed + "\nmigrate:\n  unfit: {inventory.enterprises: clamp}\n")
    assert env.run("schema", "apply", str(v2)).exit_code == 0
    assert cluster(env, "SX-C02")["enterprises"] == 1000 and cluster(env, "SX-C01")["enterprises"] == 1000


def test_retiring_a_value_in_use_is_refused_unless_it_is_mapped(env):
    text = current_yaml(env)
    gone = re.sub(r"    - \{code: market, zh: 市场型.*\n", "", text, count=1)
    refused(env, write(env, "v2.yaml", gone), "formation_type", "market")
    in_use = [c["id"] for c in export(env)["clusters"] if c.get("formation_type") == "market"]
    mapped = gone.replace("{code: other, zh: 其他, en: Other, synonyms: []}",
                          "{code: other, zh: 其他, en: Other, synonyms: [], renamed_from: [market]}")
    assert env.run("schema", "apply", str(write(env, "v2b.yaml", mapped))).exit_code == 0
    assert in_use and all(cluster(env, cid)["formation_type"] == "other" for cid in in_use)


def test_a_type_that_stored_values_do_not_fit_is_refused(env):
    text = current_yaml(env)
    line = field_line(text, "location")
    v2 = write(env, "v2.yaml", text.replace(line, line.replace("type: string, max: 80", "type: integer")))
    refused(env, v2, "inventory.location", "becomes integer", "30 records", "GD-C01 (西樵镇)")
    clear = "\nmigrate:\n  unfit: {inventory.location: clear}\n"
    cleared = write(env, "v2b.yaml", v2.read_text(encoding="utf-8") + clear)
    assert env.run("schema", "apply", str(cleared)).exit_code == 0
    assert not any(c.get("location") for c in export(env)["clusters"])
    assert len([e for e in env.json("log", "--limit", "100")["entries"] if e["field"] == "location"]) == 30


def test_a_factor_split_in_two_copies_its_severities(env):
    text = current_yaml(env)
    talent = re.search(r"  - \{id: talent,.*\n.*\n", text).group(0)
    halves = (talent.replace("id: talent,", "id: skills, split_from: talent,").replace("人才与劳动力", "人才短缺")
              .replace("Talent and labour", "Skills") +
              talent.replace("id: talent,", "id: labour_cost, split_from: talent,").replace("人才与劳动力", "用工成本")
              .replace("Talent and labour", "Labour costs"))
    before = {(r["cluster"], r["factor"]): r["severity"] for r in export(env)["constraints"]}
    assert env.run("schema", "apply", str(write(env, "v2.yaml", text.replace(talent, halves)))).exit_code == 0
    after = {(r["cluster"], r["factor"]): r["severity"] for r in export(env)["constraints"]}
    talents = {c: s for (c, f), s in before.items() if f == "talent"}
    assert talents and all(after[(c, "skills")] == s and after[(c, "labour_cost")] == s for c, s in talents.items())
    assert not any(f == "talent" for _c, f in after)
    listing = {r["id"]: r["factors"] for r in export(env)["recommendations"] if r.get("factors")}
    assert {"skills", "labour_cost"} <= set(listing["XC-R01"]) and "talent" not in listing["XC-R01"]


SLIPS = [  # (what is typed instead, what the message says)
    (("type: integer, unit: 家, plausible: [3, 50000]", "type: integr, unit: 家, plausible: [3, 50000]"),
     "unknown type “integr”"),
    (("enum: stage, width: 7", "enum: stages, width: 7"), "list “stages”"),
    (("{key: above_scale,", "{key: enterprises,"), "“enterprises” appears twice"),
    (("title: {zh: 集群清单, en: Inventory}", "title: {zh: 集群清单, en: Inventory of all the clusters of a region}"),
     "31 characters"),
    (("min: 0, max: 1000000, width: 7,\n         help: {zh: 规模以上",
      "min: 10, max: 1, width: 7,\n         help: {zh: 规模以上"), "min 10 is above max 1"),
]


@pytest.mark.parametrize("slip, said", SLIPS)
def test_a_slip_in_the_schema_file_names_its_line_and_changes_nothing(env, slip, said):
    text = current_yaml(env)
    edited = text.replace(*slip, 1)
    assert edited != text
    changed = next(i for i, (a, b) in enumerate(zip(text.splitlines(), edited.splitlines(), strict=False)) if a != b)
    path = write(env, "slip.yaml", edited)
    result = env.run("schema", "apply", str(path), lang="en")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert said in result.stderr and f"line {changed + 1}" in result.stderr and "slip.yaml" in result.stderr
    assert env.json("schema")["version"] == "1"


def test_a_store_from_before_schema_versions_is_upgraded_and_its_workbooks_still_merge(env):
    old = env.build("old.xlsx")
    env.sql("DROP TABLE cwb_schemas")
    env.sql("ALTER TABLE cwb_workbooks DROP COLUMN schema_version")
    env.sql("UPDATE cwb_meta SET value = '2' WHERE key = 'format'")
    edit(old, "inventory", "XC", "XC-C02", "企业数（家）", 321)
    merged = env.json("merge", str(old), code=0)["files"][0]
    assert merged["applied"] and not [i for i in merged["issues"] if i["code"].startswith("schema")]
    assert env.sql("SELECT value FROM cwb_meta WHERE key = 'format'") == [(STORE_FORMAT,)]
    assert env.json("schema")["versions"][0]["version"] == 1


def test_the_readmes_example_adapts_the_template_as_it_says(env):
    """`examples/adapt_template.py`, run as the README says: a dry run first, then --apply."""
    import os
    import subprocess
    import sys

    script = Path(__file__).resolve().parent.parent / "examples" / "adapt_template.py"
    environ = {**os.environ, "CLUSTER_WB_STORE": env.store}  # the venv not activated: as the README runs it
    env.build("first.xlsx")  # the store exists, seeded
    dry = subprocess.run([sys.executable, str(script)], cwd=env.root, env=environ, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert "tax_per_mu" in dry.stdout and "logistics" in dry.stdout and "成长阶段" in dry.stdout
    assert env.json("schema")["version"] == "1"
    done = subprocess.run([sys.executable, str(script), "--apply"], cwd=env.root, env=environ, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    doc = env.json("schema")
    assert doc["version"] == "2" and "logistics" in [f["id"] for f in doc["constraint_factors"]]
    assert (env.root / "output" / "province-template.yaml").exists()


def test_the_matrix_severity_list_is_checked_like_any_field(env):
    """Dropping severity 3 while clusters are rated 3 would leave values the template no longer takes."""
    text = current_yaml(env)
    gone = re.sub(r"    - \{code: 3, zh: \"3\".*\n", "", text, count=1)
    assert gone != text
    refused(env, write(env, "v2.yaml", gone), "constraints.", "3")


def test_an_edit_that_touches_no_stored_value_is_still_a_version(env):
    text = current_yaml(env)
    line = field_line(text, "location")
    edited = line.replace("所在县（市、区）或镇", "所在县（市、区）、镇或园区").replace("width: 12", "width: 14")
    helped = text.replace(line, edited)
    applied = env.run("schema", "apply", str(write(env, "v2.yaml", helped)), lang="en")
    assert applied.exit_code == 0, applied.stderr
    assert "help text of inventory.location changed" in applied.stdout and "width: 12 → 14" in applied.stdout
    assert env.json("schema")["version"] == "2"
    again = env.run("schema", "apply", str(write(env, "v2-again.yaml", helped)), lang="en")
    assert again.exit_code == 0 and "nothing changed" in again.stderr and env.json("schema")["version"] == "2"


def test_the_migrate_section_belongs_to_one_change_only(env):
    v2 = province_v2(env)
    assert env.run("schema", "apply", str(v2)).exit_code == 0
    printed = current_yaml(env)
    assert "migrate:" not in printed and "tax_per_mu" in printed and "retire:" not in printed
    # the printed file, applied as it is, changes nothing
    same = env.run("schema", "apply", str(write(env, "v2-printed.yaml", printed)))
    assert same.exit_code == 0 and env.json("schema")["version"] == "2"


@pytest.mark.parametrize("section, said", [
    ("migrate:\n  unfit: [inventory.location]\n", "migrate: unfit: maps SHEET.FIELD"),
    ("migrate:\n  values: [inventory.stage]\n", "migrate: values: maps SHEET.FIELD"),
    ("migrate:\n  retire: inventory.organisation\n", "migrate: retire: is a list"),
    ("migrate:\n  unfit: {inventory.location: drop}\n", "say clear or clamp"),
])
def test_a_malformed_migrate_section_names_its_line(env, section, said):
    text = current_yaml(env)
    path = write(env, "bad.yaml", text + "\n" + section)
    result = env.run("schema", "apply", str(path), lang="en")
    line = len((text + "\n").splitlines()) + 2
    assert result.exit_code == 2 and "Traceback" not in result.output and "internal error" not in result.stderr
    assert said in result.stderr and f"line {line}" in result.stderr, result.stderr


def test_marks_and_evidence_follow_their_field():
    """Pure: a value's approximate and inferred marks and a matrix row's evidence move with a rename or split,
    and go with a retirement, leaving no empty mark behind."""
    from workbook.template.schema_change import migrate_record

    record = {"assets": 3.2, "organisation": "x", "approx": ["assets", "organisation"],
              "inferred": {"organisation": "named as an example"}}
    steps = [{"op": "rename_field", "entity": "cluster", "from": "assets", "to": "total_assets"},
             {"op": "retire_field", "entity": "cluster", "field": "organisation"}]
    assert migrate_record("cluster", "XC-C01", record, steps) == {"total_assets": 3.2, "approx": ["total_assets"]}
    matrix = {"talent": 2, "evidence": {"talent": {"quote": "招不到人才"}}}
    split = [{"op": "split_factor", "entity": "constraint", "from": "talent", "to": ["skills", "labour_cost"]}]
    assert migrate_record("constraint", "XC-C01", matrix, split) == {
        "skills": 2, "labour_cost": 2,
        "evidence": {"skills": {"quote": "招不到人才"}, "labour_cost": {"quote": "招不到人才"}}}
    assert migrate_record("cluster", "XC-C01", {"approx": ["organisation"], "organisation": "x"},
                          steps[1:]) == {}


@pytest.mark.one_store  # what LibreOffice makes of an old workbook is tested; the store is not: SQLite only
@pytest.mark.skipif(not IN_CI and (SOFFICE is None or UNO_PYTHON is None),
                    reason="needs LibreOffice and python3-uno: run scripts/system-deps.sh")
def test_an_old_workbook_edited_and_sorted_in_calc_merges_after_the_template_changed(env):
    """The office keeps working on the workbook it was sent while the coordinator renames a field and adds a
    factor: in Calc it types a value into the old column and sorts the whole table, then sends it back."""
    from workbook.template.schema import load_schema

    old = env.build("before.xlsx")
    fields = [f.key for f in load_schema().sheet("inventory").fields]
    ws = sheet_by_kind(openpyxl.load_workbook(old), "inventory", "XC")
    row, n = row_of(ws, "XC-C02"), ws.max_row
    assets = openpyxl.utils.get_column_letter(column_of(ws, "资产规模（亿元）"))
    text = current_yaml(env)
    line = field_line(text, "assets")
    renamed = text.replace(line, line.replace("{key: assets,", "{key: total_assets, renamed_from: assets,"))
    renamed = renamed.replace("  - {id: environment,", LOGISTICS + "  - {id: environment,")
    assert env.run("schema", "apply", str(write(env, "v2.yaml", renamed))).exit_code == 0
    edited = env.root / "calc.xlsx"
    done = libreoffice_edit(old, edited, [
        {"op": "set", "sheet": "_cwb_inventory_XC", "cell": f"{assets}{row}", "value": 42},
        {"op": "sort", "sheet": "_cwb_inventory_XC", "rows": [2, n], "cols": [0, len(fields) - 1],
         "by": fields.index("name_zh"), "descending": True}])
    assert all(d["ok"] for d in done), done
    merged = env.json("merge", str(edited), code=0)["files"][0]
    assert [(c["record"], c["field"], c["new"]) for c in merged["changes"]] == [("XC-C02", "total_assets", 42)]
    moved = sheet_by_kind(openpyxl.load_workbook(edited), "inventory", "XC")
    assert row_of(moved, "XC-C02") != row  # Calc really sorted the rows
    assert merged["changes"][0]["cell"] == f"{assets}{row_of(moved, 'XC-C02')}"
    assert cluster(env, "XC-C02")["total_assets"] == 42
