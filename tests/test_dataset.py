"""The seed dataset: every region, cluster, figure, constraint, recommendation and project of the
document, with sources; damaged values unknown; nothing invented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbook.resources import seed_dir
from workbook.schema import load_schema
from workbook.seed import DatasetError, load_dataset

SEED_TEXT_NAME = "000_e3586f2c1166762f.txt"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(seed_dir(), load_schema())


def test_five_regions_in_document_order(dataset):
    regions = dataset["region"]
    assert [r["name_zh"] for r in sorted(regions.values(), key=lambda r: r["order"])] == \
        ["许昌市", "绍兴市", "嘉兴港区", "阜新市", "广东省"]
    assert all(r.get("name_en") and r.get("source") for r in regions.values())


def test_about_thirty_clusters_each_with_source_and_english_name(dataset):
    clusters = dataset["cluster"]
    assert 28 <= len(clusters) <= 36
    for cid, c in clusters.items():
        assert c.get("source"), cid
        assert c.get("name_zh") and c.get("name_en"), cid
    by_region = {}
    for c in clusters.values():
        by_region[c["region"]] = by_region.get(c["region"], 0) + 1
    assert by_region["XC"] == 16  # the clusters of §1.2
    assert by_region["SX"] == 4   # ties, socks, umbrellas, pearls


def test_figures_as_the_document_gives_them(dataset):
    dazhou = dataset["cluster"]["XC-C04"]
    figures = (dazhou["enterprises"], dazhou["above_scale"], dazhou["employment"], dazhou["assets"])
    assert figures == (140, 65, 32000, 30)
    assert set(dazhou["approx"]) == {"enterprises", "employment", "assets"}  # 多, 余, 近
    assert dazhou["formation_type"] == "circular"
    ties = dataset["cluster"]["SX-C01"]
    assert (ties["enterprises"], ties["national_share"], ties["world_share"]) == (1100, 90, 40)
    socks = dataset["cluster"]["SX-C02"]
    assert (socks["enterprises"], socks["national_share"], socks["world_share"]) == (8500, 65, 35)
    indicators = dataset["indicator"]
    assert indicators["XC-I03"]["value"] == 47.5
    assert indicators["SX-I02"]["value"] == 1195.22
    assert indicators["FX-I01"]["value"] == 10 and indicators["FX-I01"]["kind"] == "target"
    assert indicators["JX-I03"]["value"] == 500


def test_damaged_values_are_unknown_with_the_quote_kept(dataset):
    count = dataset["indicator"]["XC-I01"]
    assert count.get("value") is None and "3一个" in count["quote"] and count["notes"]
    damaged = dataset["cluster"]["XC-C01"]
    assert damaged.get("industry") is None and "000加工业集群" in damaged["quote"]
    # every year in the text reads 2025: none is stored as a fact
    for entity in ("cluster", "indicator"):
        for rec in dataset[entity].values():
            assert rec.get("data_year") is None and rec.get("year") is None


def test_quotes_are_verbatim_from_the_seed_text(dataset):
    seed = Path(__file__).resolve().parent.parent / "data" / "source" / SEED_TEXT_NAME
    text = seed.read_text(encoding="utf-8")
    compact = "".join(text.split())
    quotes = [c["quote"] for c in dataset["cluster"].values()] + [i["quote"] for i in dataset["indicator"].values()]
    for ev in (e for rec in dataset["constraint"].values() for e in rec.get("evidence", {}).values()):
        quotes.append(ev["quote"])
    for q in quotes:
        for part in q.split("；"):
            part = part.split("……")[0]
            assert "".join(part.split()) in compact, part


def test_constraints_cover_every_region_that_diagnoses(dataset):
    matrix = dataset["constraint"]
    assert matrix["XC-C08"]["short_chain"] == 3 and matrix["XC-C08"]["value_added"] == 3
    assert matrix["XC-C03"]["land"] == 2  # a region-wide diagnosis reaches every Xuchang cluster
    assert matrix["SX-C02"]["over_entry"] == 2
    assert matrix["GD-C05"]["fragmentation"] == 3
    assert matrix["XC-C10"]["evidence"]["weak_lead"]["source"].startswith("第一篇")
    factors = {f.id for f in load_schema().factors}
    used = {k for rec in matrix.values() for k in rec if k in factors}
    assert len(used) >= 12


def test_recommendations_link_to_factors(dataset):
    recs = dataset["recommendation"]
    assert {r for r in recs if r.startswith("XC-")} == {f"XC-R0{i}" for i in range(1, 6)}
    assert {r for r in recs if r.startswith("SX-")} == {f"SX-R0{i}" for i in range(1, 5)}
    assert sum(1 for r in recs if r.startswith("GD-")) >= 4
    factors = {f.id for f in load_schema().factors}
    for rid, r in recs.items():
        assert set(r.get("factors", [])) <= factors, rid


def test_jiaxing_projects(dataset):
    projects = dataset["project"]
    assert len(projects) == 10
    assert projects["JX-P06"]["investment"] == 22
    assert projects["JX-P01"]["expected_output"] == 20


def test_export_json_holds_everything_with_sources(env):
    out = env.root / "all.json"
    result = env.run("export", "-o", str(out), "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["regions"]) == 5
    assert len(doc["clusters"]) >= 28 and len(doc["projects"]) == 10
    assert all(row["source"] for table in ("clusters", "recommendations", "projects", "indicators")
               for row in doc[table])
    assert all(row["quote"] and row["source"] for row in doc["constraints"])


def test_a_broken_dataset_folder_is_refused_clearly(env, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "regions.yaml").write_text("- {id: AA, name_zh: 甲}\n", encoding="utf-8")
    (bad / "clusters.yaml").write_text("- {id: AA-C01, region: ZZ, name_zh: x}\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="unknown region ZZ"):
        load_dataset(bad, load_schema())
    result = env.run("init", "--from", str(bad))
    assert result.exit_code == 2 and "不存在的地区 ZZ" in result.stderr and "Traceback" not in result.output
    result = env.run("--store", str(tmp_path / "other.sqlite"), "init", "--from", str(bad), lang="en")
    assert result.exit_code == 2 and "unknown region ZZ" in result.stderr
