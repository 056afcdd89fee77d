"""A new entity is an edit of the schema and of the dataset, nothing else: built, validated, merged, exported."""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from pathlib import Path

import openpyxl
import pytest
import yaml
from openpyxl.utils import get_column_letter

from workbook.template.field_types import TYPES, FieldType, register
from workbook.template.normalize import Normalized, Note
from workbook.template.schema import load_schema, parse_schema

from .conftest import column_of, sheet_by_kind

ROOT = Path(__file__).resolve().parent.parent

PARKS = {
    "kind": "parks", "entity": "park", "title": {"zh": "产业园区", "en": "Industrial parks"}, "key": "id",
    "only_if_records": True,
    "help": {"zh": "本地区的产业园区及其面积。", "en": "The region's industrial parks and their area."},
    "fields": [
        {"key": "id", "title": {"zh": "园区编号", "en": "Park ID"}, "type": "id", "editable": False, "width": 9,
         "help": {"zh": "由系统分配，勿改。", "en": "Assigned by the store."}},
        {"key": "name_zh", "title": {"zh": "园区名称", "en": "Park name"}, "type": "string", "required": True,
         "max": 60, "width": 20, "help": {"zh": "园区名称。", "en": "Name of the park."}},
        {"key": "area", "title": {"zh": "面积（亩）", "en": "Area (mu)"}, "type": "number", "unit": "亩", "min": 0,
         "max": 1000000, "width": 10, "help": {"zh": "规划面积（亩）。", "en": "Planned area, in mu."}},
        {"key": "delete", "title": {"zh": "删除（填“是”）", "en": "Delete (Y)"}, "type": "boolean", "width": 6,
         "help": {"zh": "要删除时填“是”。", "en": "Type Y to delete."}},
    ],
}


@pytest.fixture
def parks_template(tmp_path, monkeypatch):
    """The bundled schema with one more entity and its sheet, and the seed dataset with two parks."""
    doc = yaml.safe_load((ROOT / "templates" / "schema.yaml").read_text(encoding="utf-8"))
    doc["sheets"].append(PARKS)
    doc["entities"]["park"] = {"id_letter": "K", "name_field": "name_zh", "seed_file": "parks.yaml",
                               "export_table": "parks"}
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "schema.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
                                           encoding="utf-8")
    dataset = tmp_path / "dataset"
    shutil.copytree(ROOT / "data" / "seed", dataset)
    (dataset / "parks.yaml").write_text("- {id: XC-K01, region: XC, name_zh: 长葛产业集聚区, area: 3000}\n"
                                        "- {id: XC-K02, region: XC, name_zh: 许昌经济技术开发区}\n", encoding="utf-8")
    monkeypatch.setenv("CLUSTER_WB_TEMPLATES", str(templates))
    load_schema.cache_clear()
    yield dataset
    load_schema.cache_clear()


def test_a_new_entity_is_built_validated_merged_and_exported(env, parks_template):
    assert env.run("init", "--from", str(parks_template)).exit_code == 0
    schema = json.loads(env.run("schema", "--format", "json").stdout)
    assert "parks" in [s["kind"] for s in schema["sheets"]]
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "parks", "XC")
    assert ws.title == "许昌市-产业园区" and "_cwb_parks_SX" not in wb.defined_names  # only where there are parks
    assert any("本地区的产业园区" in str(c.value) for row in wb["说明"].iter_rows() for c in row)
    k02 = next(c.row for c in ws["A"] if c.value == "XC-K02")  # 园区编号, the sheet's first column
    ws.cell(row=k02, column=column_of(ws, "面积（亩）")).value = "1.2万"
    new = ws.max_row + 1
    ws.cell(row=new, column=column_of(ws, "园区名称")).value = "魏都区产业园"
    wb.save(path)
    doc = json.loads(env.run("merge", str(path), "--format", "json").stdout)
    f = doc["files"][0]
    assert f["applied"], f["issues"]
    assert {(c["op"], c["record"], c["field"], c["new"] if c["op"] == "update" else c["new"]["name_zh"])
            for c in f["changes"]} == {("update", "XC-K02", "area", 12000), ("insert", "XC-K03", None, "魏都区产业园")}
    out = env.root / "export.json"
    assert env.run("export", "-o", str(out), "--format", "json").exit_code == 0
    parks = {p["id"]: p for p in json.loads(out.read_text(encoding="utf-8"))["parks"]}
    assert set(parks) == {"XC-K01", "XC-K02", "XC-K03"} and parks["XC-K02"]["area"] == 12000


PHONE = FieldType(
    "phone", {"zh": "电话号码", "en": "phone number"}, {"zh": "电话号码，如 0374-1234567", "en": "e.g. 0374-1234567"},
    lambda schema, f, raw, epoch1904: _phone(raw), textual=True)


def _phone(raw):
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if re.fullmatch(r"[0-9+\-() ]{5,20}", text):
        return Normalized(text)
    return Normalized(None, [Note("type", {"expected": "phone", "text": str(raw)})])


@pytest.fixture
def phone_type():
    """A field type added to the table, as a new type is added to `workbook/template/field_types.py`."""
    register(PHONE)
    yield PHONE
    del TYPES["phone"]


def test_a_new_field_type_is_one_entry_of_the_type_table(env, parks_template, phone_type):
    templates = Path(os.environ["CLUSTER_WB_TEMPLATES"])
    doc = yaml.safe_load((templates / "schema.yaml").read_text(encoding="utf-8"))
    parks = next(s for s in doc["sheets"] if s["kind"] == "parks")
    parks["fields"].insert(3, {"key": "hotline", "title": {"zh": "服务热线", "en": "Hotline"}, "type": "phone",
                               "width": 14, "help": {"zh": "园区服务热线。", "en": "The park's service line."}})
    (templates / "schema.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_schema.cache_clear()
    assert env.run("init", "--from", str(parks_template)).exit_code == 0
    fields = next(s for s in json.loads(env.run("schema", "--format", "json").stdout)["sheets"]
                  if s["kind"] == "parks")["fields"]
    assert {"key": "hotline", "type": "phone"}.items() <= next(f for f in fields if f["key"] == "hotline").items()
    path = env.build("wb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = sheet_by_kind(wb, "parks", "XC")
    col = column_of(ws, "服务热线")
    assert ws.column_dimensions[get_column_letter(col)].number_format == "@"  # text: a leading zero survives
    ws.cell(row=2, column=col).value = "０３７４－１２３４５６７"
    ws.cell(row=3, column=col).value = "问园区办"
    wb.save(path)
    doc = json.loads(env.run("validate", str(path), "--format", "json").stdout)
    bad = [i for i in doc["files"][0]["issues"] if i["field"] == "hotline"]
    assert [(i["code"], i["cell"], i["record"]) for i in bad] == [("type", f"{ws.cell(row=3, column=col).coordinate}",
                                                                   "XC-K02")]
    assert "电话号码" in bad[0]["message"]
    ws.cell(row=3, column=col).value = None
    wb.save(path)
    f = json.loads(env.run("merge", str(path), "--format", "json").stdout)["files"][0]
    assert f["applied"] and [(c["record"], c["field"], c["new"]) for c in f["changes"]] == \
        [("XC-K01", "hotline", "0374-1234567")]


def test_a_type_the_table_does_not_have_is_refused_when_the_schema_loads():
    doc = yaml.safe_load((ROOT / "templates" / "schema.yaml").read_text(encoding="utf-8"))
    doc["sheets"][0]["fields"][1]["type"] = "telephone"
    with pytest.raises(ValueError, match="type 'telephone'"):
        parse_schema(doc)
