"""The seed dataset: every region, cluster, figure, constraint, recommendation and project of the
document, with sources; damaged values unknown; nothing invented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from workbook.core.resources import seed_dir
from workbook.store.seed import DatasetError, load_dataset
from workbook.template.schema import load_schema

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
    quotes = [rec["quote"] for entity in ("cluster", "indicator", "recommendation", "project")
              for rec in dataset[entity].values()]
    for ev in (e for rec in dataset["constraint"].values() for e in rec.get("evidence", {}).values()):
        quotes.append(ev["quote"])
    for q in quotes:
        for part in q.split("；"):
            for piece in part.split("……"):
                assert "".join(piece.split()) in compact, piece


def test_every_recommendation_and_project_has_its_quote(dataset):
    """The evidence of each checklist row and project: a verbatim passage, at most two pieces joined by "……"."""
    for entity, name, count in (("recommendation", "recommendations", 17), ("project", "projects", 11)):
        records = dataset[entity]
        assert len(records) == count, entity
        for rid, rec in records.items():
            quote = rec.get("quote")
            assert isinstance(quote, str) and quote.strip(), (entity, rid)
            assert len(quote) <= 300 and quote.count("……") <= 1, (entity, rid)
        assert all(str(rec.get("quote") or "").strip() for rec in _yaml(name)), name


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
    assert len(projects) == 11  # JX-P11: Transfar phase 3 (“待二、三期项目全部建成达产后”)
    assert projects["JX-P06"]["investment"] == 22
    assert projects["JX-P01"]["expected_output"] == 20


def test_export_json_holds_everything_with_sources(env):
    out = env.root / "all.json"
    result = env.run("export", "-o", str(out), "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["regions"]) == 5
    assert len(doc["clusters"]) >= 28 and len(doc["projects"]) == 11
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


# --- the YAML files read as they are (statements, inferences, approximations) -------------------------------

SEED_FILES = ("regions", "clusters", "constraints", "indicators", "recommendations", "projects", "statements")
STATEMENT_KINDS = {"formation", "concentration", "feature", "strength", "weakness", "institution", "ranking",
                   "market", "diagnosis", "role"}
ARTICLES = {"XC": "第一篇 许昌市", "SX": "第二篇 绍兴市", "JX": "第三篇 嘉兴港区", "FX": "第四篇 阜新市",
            "GD": "第五篇 广东省"}
FIGURES = ("enterprises", "above_scale", "specialised_smes", "employment", "output", "assets", "leading_share",
           "national_share", "world_share", "rd_intensity")


def _yaml(name: str) -> list[dict]:
    return yaml.safe_load((seed_dir() / f"{name}.yaml").read_text(encoding="utf-8")) or []


def _source_compact() -> str:
    seed = Path(__file__).resolve().parent.parent / "data" / "source" / SEED_TEXT_NAME
    return "".join(seed.read_text(encoding="utf-8").split())


def _label(rec: dict) -> str:
    return str(rec.get("id") or f"{rec.get('factor')} {rec.get('clusters') or rec.get('region')}")


def test_every_quote_of_every_file_is_verbatim_in_the_source():
    """Whitespace aside, each quote is in the text; "……" (and, in the older files, "；") joins verbatim pieces."""
    compact = _source_compact()
    checked = 0
    for name in SEED_FILES:
        for rec in _yaml(name):
            quote = rec.get("quote")
            if quote is None:
                continue
            assert isinstance(quote, str) and quote.strip(), (name, _label(rec))
            for piece in re.split("……|；", quote):
                piece = "".join(piece.split())
                assert piece, (name, _label(rec), "empty piece in the quote")
                assert piece in compact, (name, _label(rec), piece)
            checked += 1
    assert checked >= 150


def test_statement_quotes_are_whole_passages_joined_only_by_ellipses():
    compact = _source_compact()
    for st in _yaml("statements"):
        assert len(st["quote"]) <= 300, st["id"]
        for piece in st["quote"].split("……"):
            assert "".join(piece.split()) in compact, (st["id"], piece)


def test_every_region_has_a_profile_of_statements():
    regions = [r["id"] for r in _yaml("regions")]
    statements = _yaml("statements")
    for rid in regions:
        assert sum(1 for s in statements if s["region"] == rid) >= 3, rid
    # the brief's especially: Fuxin's article, Shaoxing's rankings and markets, Xuchang's concentration
    kinds = {(s["region"], s["kind"]) for s in statements}
    assert {("SX", "ranking"), ("SX", "market"), ("XC", "concentration"), ("GD", "role"),
            ("GD", "institution")} <= kinds
    assert sum(1 for s in statements if s["region"] == "FX") >= 10


def test_statements_have_the_shape_of_the_profile_sheet():
    statements = _yaml("statements")
    regions = {r["id"] for r in _yaml("regions")}
    seen: dict[str, int] = {}
    for st in statements:
        assert set(st) <= {"id", "region", "kind", "statement_zh", "statement_en", "quote", "source", "notes"}, st["id"]
        assert st["region"] in regions, st["id"]
        seen[st["region"]] = seen.get(st["region"], 0) + 1
        assert st["id"] == f"{st['region']}-S{seen[st['region']]:02d}", st["id"]  # numbered per region, in order
        assert st["kind"] in STATEMENT_KINDS, (st["id"], st["kind"])
        assert st["statement_zh"].strip() and len(st["statement_zh"]) <= 300, st["id"]
        assert st["statement_en"].strip() and len(st["statement_en"]) <= 400, st["id"]
        assert st["source"].startswith(ARTICLES[st["region"]]), st["id"]
        assert "year" not in st and "2025" not in st["statement_zh"], st["id"]  # no printed year as a fact
    assert len({(s["region"], s["statement_zh"]) for s in statements}) == len(statements)  # no duplicates


def test_statement_kinds_are_the_schemas_kinds():
    assert {o.code for o in load_schema().enums["statement_kind"]} == STATEMENT_KINDS


def test_a_quoted_2025_is_noted_as_an_unknown_year():
    for name in ("clusters", "indicators", "statements"):
        for rec in _yaml(name):
            if "2025" in rec.get("quote", ""):
                assert "年份不详" in rec.get("notes", ""), (name, rec["id"])
                assert rec.get("year") is None and rec.get("data_year") is None, (name, rec["id"])


def test_every_inferred_mark_names_a_field_the_record_holds_and_says_why():
    marks = 0
    for name in SEED_FILES:
        for rec in _yaml(name):
            inferred = rec.get("inferred")
            if inferred is None:
                continue
            assert isinstance(inferred, dict) and inferred, (name, _label(rec))
            for key, reason in inferred.items():
                assert key not in ("id", "region", "quote", "source", "notes", "inferred", "approx"), (name, key)
                assert rec.get(key) not in (None, "", []), (name, _label(rec), key)
                assert isinstance(reason, str) and reason.strip() and len(reason) <= 80, (name, _label(rec), key)
                marks += 1
    assert marks >= 30


def test_the_known_inferences_are_marked():
    clusters = {c["id"]: c for c in _yaml("clusters")}
    assert {"formation_type", "lead_firms"} <= set(clusters["XC-C02"]["inferred"])  # 许继: the example of a type
    assert {"location", "formation_type", "lead_firms"} <= set(clusters["XC-C12"]["inferred"])  # 传动轴
    for cid in ("XC-C05", "XC-C09", "XC-C13"):  # a location implied by how the §1.2 list is grouped
        assert "location" in clusters[cid]["inferred"], cid
    assert "upgrade_mode" in clusters["GD-C06"]["inferred"]
    assert "lead_firms" in clusters["JX-C01"]["inferred"]
    indicators = {i["id"]: i for i in _yaml("indicators")}
    for iid in ("XC-I06", "XC-I07", "JX-I04", "JX-I06", "JX-I07", "JX-I08"):
        assert "subject" in indicators[iid]["inferred"], iid
    for cid in ("XC-C01", "XC-C03", "XC-C06", "XC-C07", "XC-C08", "XC-C11", "XC-C15", "XC-C16"):
        assert "location" not in clusters[cid].get("inferred", {}), cid  # stated in the text


REGION_WIDE = ("全市", "我市", "全省", "我省", "许昌市的", "港区化工行业", "该集群实现产值")


def test_no_cluster_holds_a_figure_of_the_whole_region():
    for c in _yaml("clusters"):
        if any(c.get(k) is not None for k in FIGURES):
            assert not any(w in c["quote"] for w in REGION_WIDE), (c["id"], c["quote"])
    clusters = {c["id"]: c for c in _yaml("clusters")}
    assert clusters["XC-C14"].get("output") is None and "近70亿元" not in clusters["XC-C14"]["quote"]
    indicators = {i["id"]: i for i in _yaml("indicators")}
    textile = indicators["XC-I08"]  # Xuchang's textile industry: a city-wide figure, the region's indicator
    assert (textile["value"], textile["unit"], textile["approx"]) == (70, "亿元", {"value": {"kind": "at_most",
                                                                                      "high": None}})  # 近70亿元
    assert textile.get("subject") is None and textile.get("year") is None
    assert "该集群实现产值近70亿元" in textile["quote"]
    assert indicators["XC-I04"].get("subject") is None  # its 其 is the same city-wide textile output


def test_approximate_figures_are_flagged():
    clusters = {c["id"]: c for c in _yaml("clusters")}
    for cid in ("SX-C01", "SX-C02", "SX-C03"):  # 多家: at least
        assert clusters[cid]["approx"] == {"enterprises": {"kind": "at_least", "high": None}}, cid
    indicators = {i["id"]: i for i in _yaml("indicators")}
    for iid in ("XC-I05", "XC-I06", "XC-I07", "XC-I08", "SX-I05", "SX-I06", "SX-I07", "SX-I10", "JX-I01",
                "JX-I07", "JX-I08", "GD-I03"):  # 多, 左右, 近, 以上, 超过, 十多个
        assert list(indicators[iid]["approx"]) == ["value"], iid
    for iid in ("XC-I02", "XC-I03", "SX-I01", "SX-I02", "JX-I03", "JX-I04", "JX-I09"):  # stated exactly
        assert not indicators[iid].get("approx"), iid


def test_the_loader_takes_the_statements(dataset):
    assert len(dataset["statement"]) == len(_yaml("statements"))
