"""The command contract: init, schema, export, store handling; and the installed package."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

from workbook.core.resources import templates_dir
from workbook.store import open_store

ROOT = Path(__file__).resolve().parent.parent


def test_schema_json_is_the_templates(env):
    """A new store's schema is the bundled file, as its version 1."""
    doc = env.json("schema", code=0)
    with open(templates_dir() / "schema.yaml", encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    assert doc["version"] == "1" and [v["version"] for v in doc["versions"]] == [1]
    assert [s["kind"] for s in doc["sheets"]] == [s["kind"] for s in spec["sheets"]]
    inventory = doc["sheets"][0]
    assert inventory["key"] == "id"
    assert [f["key"] for f in inventory["fields"]] == [f["key"] for f in spec["sheets"][0]["fields"]]
    for f in inventory["fields"]:
        assert {"key", "title_zh", "title_en", "type", "required", "editable", "enum", "min", "max"} <= set(f)
    stage = next(f for f in inventory["fields"] if f["key"] == "stage")
    assert stage["enum"] == [o["code"] for o in spec["enums"]["stage"]]
    matrix = next(s for s in doc["sheets"] if s["kind"] == "constraints")
    factor_ids = [f["id"] for f in doc["constraint_factors"]]
    assert [f["key"] for f in matrix["fields"]][2:] == factor_ids
    assert 12 <= len(factor_ids) <= 15
    assert {f["group"] for f in doc["constraint_factors"]} == {g["id"] for g in spec["factor_groups"]}


def test_schema_text_lists_every_field(env):
    result = env.run("schema")
    assert result.exit_code == 0 and "employment" in result.stdout and "土地供给不足" in result.stdout


def test_init_creates_then_refuses_to_overwrite(env):
    assert env.run("init").exit_code == 0
    assert open_store(env.store).revision() == 1
    again = env.run("init")
    assert again.exit_code == 2 and "已有数据库" in again.stderr  # Chinese by default
    again = env.run("init", lang="en")
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_init_empty_and_from_folder(env, tmp_path):
    empty = env.root / "empty.sqlite"
    assert env.run("--store", str(empty), "init", "--empty").exit_code == 0
    assert open_store(str(empty)).regions() == {}
    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "regions.yaml").write_text("- {id: AA, name_zh: 甲市, name_en: Jia}\n", encoding="utf-8")
    (folder / "clusters.yaml").write_text("- {id: AA-C01, region: AA, name_zh: 甲市纺织产业集群, employment: 100}\n",
                                          encoding="utf-8")
    small = env.root / "small.sqlite"
    assert env.run("--store", str(small), "init", "--from", str(folder)).exit_code == 0
    assert list(open_store(str(small)).records("cluster")) == ["AA-C01"]
    assert env.run("--store", str(env.root / "x.sqlite"), "init", "--from", str(tmp_path / "nope")).exit_code == 2


def test_a_missing_store_is_created_and_seeded_by_any_command(env):
    assert not Path(env.store).exists()
    result = env.run("log", "--format", "json")
    assert result.exit_code == 0 and Path(env.store).exists()
    assert json.loads(result.stdout)["entries"][0]["op"] == "insert"


def test_store_from_environment_variable(env, monkeypatch):
    path = env.root / "from-env.sqlite"
    monkeypatch.setenv("CLUSTER_WB_STORE", str(path))
    from click.testing import CliRunner

    from workbook.cli import cli
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0 and path.exists()


def test_a_database_that_is_not_ours_is_refused_and_left_alone(env):
    import sqlite3
    foreign = env.root / "foreign.sqlite"
    con = sqlite3.connect(foreign)
    con.execute("create table t (x)")
    con.commit()
    con.close()
    before = foreign.read_bytes()
    result = env.run("--store", str(foreign), "build", lang="en")
    assert result.exit_code == 2 and "not a cluster-wb store" in result.stderr
    result = env.run("--store", str(foreign), "build")
    assert result.exit_code == 2 and "不是 cluster-wb 数据库" in result.stderr
    assert foreign.read_bytes() == before
    junk = env.root / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    result = env.run("--store", str(junk), "build")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_export_csv_one_file_per_table_and_no_formula_injection(env):
    env.run("init")
    import sqlite3
    con = sqlite3.connect(env.store)
    row = con.execute("select data from cwb_records where entity='cluster' and id='XC-C02'").fetchone()
    data = json.loads(row[0])
    data["notes"] = "=cmd|' /C calc'!A0"
    con.execute("update cwb_records set data=? where entity='cluster' and id='XC-C02'",
                (json.dumps(data, ensure_ascii=False),))
    con.commit()
    con.close()
    out = env.root / "csv"
    assert env.run("export", "-o", str(out)).exit_code == 0
    assert {p.name for p in out.iterdir()} == {"regions.csv", "clusters.csv", "constraints.csv",
                                                "recommendations.csv", "projects.csv", "indicators.csv",
                                                "statements.csv"}
    with open(out / "clusters.csv", encoding="utf-8-sig") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    assert rows["XC-C02"]["notes"].startswith("'=")
    assert rows["XC-C04"]["employment"] == "32000"


def test_log_text_and_limit(env):
    env.run("init")
    result = env.run("log", "--limit", "3")
    assert result.exit_code == 0 and "新增" in result.stdout  # the seed's inserts, in the language of --lang
    assert len(env.json("log", "--limit", "3", code=0)["entries"]) == 3


def test_installed_wheel_carries_templates_and_seed(tmp_path):
    """A non-editable install: build the wheel, unpack it alone on the path, build a workbook elsewhere."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(dist), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(dist.glob("cluster_wb-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
    assert "workbook/_templates/schema.yaml" in names and "workbook/_seed/clusters.yaml" in names
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    work = tmp_path / "office"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("CLUSTER_WB_STORE", None)
    probe = subprocess.run([sys.executable, "-c", "import workbook, sys; print(workbook.__file__)"], cwd=work,
                           env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.startswith(str(site))
    result = subprocess.run([sys.executable, "-m", "workbook.cli", "build", "-o", "out.xlsx"], cwd=work, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (work / "out.xlsx").exists() and (work / "data" / "cluster-wb.sqlite").exists()


def test_an_empty_folder_of_returns_is_a_usage_error(env):
    (env.root / "returns").mkdir()
    result = env.run("merge", str(env.root / "returns"), lang="en")
    assert result.exit_code == 2 and "no .xlsx" in result.stderr
    result = env.run("merge", str(env.root / "returns"))
    assert result.exit_code == 2 and "没有找到 .xlsx 工作簿" in result.stderr


def test_refusals_follow_lang(env):
    """A CSV renamed to .xlsx is refused before any parser sees it: in Chinese by default, in English with
    --lang en, naming the file and saying what to send instead."""
    notes = env.root / "notes.xlsx"
    notes.write_text("地区,集群\n许昌市,长葛\n", encoding="utf-8")
    zh = env.run("validate", str(notes))
    assert zh.exit_code == 2 and str(notes) in zh.stderr
    assert "改了扩展名的文本或 CSV 文件" in zh.stderr and "renamed" not in zh.stderr
    en = env.run("validate", str(notes), lang="en")
    assert en.exit_code == 2 and "a text or CSV file renamed to .xlsx" in en.stderr
    # the same for a usage error and a store refusal
    assert "没有地区 ZZ" in env.run("build", "--region", "ZZ").stderr
    assert "unknown region ZZ" in env.run("build", "--region", "ZZ", lang="en").stderr
