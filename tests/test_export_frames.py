"""Data out for analysts (issue 24): `export --format xlsx`, a workbook of Excel tables ready for a pivot table,
and `workbook.frames()`, the store's records as typed pandas DataFrames, now or at a closed round's snapshot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import workbook
from workbook.core.errors import Unknown, UsageError

from .conftest import edit, libreoffice_resave

ROOT = Path(__file__).resolve().parent.parent
DTYPES = {"integer": "Int64", "year": "Int64", "number": "Float64", "percent": "Float64", "date": "datetime64[ns]",
          "enum": "category", "severity": "category", "string": "string", "text": "string", "id": "string",
          "cluster_ref": "string", "factor_list": "object", "cluster_list": "object"}


def export(env, name: str, lang: str | None = None) -> Path:
    path = env.root / name
    result = env.run("export", "-o", str(path), "--format", "xlsx", lang=lang)
    assert result.exit_code == 0, result.output + result.stderr
    assert result.stdout.strip() == str(path)
    return path


def dataset(env) -> dict:
    path = env.root / "dataset.json"
    assert env.run("export", "-o", str(path), "--format", "json").exit_code == 0
    return json.loads(path.read_text(encoding="utf-8"))


def tables(path: Path) -> dict[str, tuple[str, str]]:
    """Every Excel table of the workbook: its name -> (sheet, range)."""
    wb = openpyxl.load_workbook(path)
    return {name: (ws.title, ref) for ws in wb for name, ref in ws.tables.items()}


def header(ws) -> list:
    return [c.value for c in ws[1]]


def plain(value):
    """A cell as a plain Python value, every kind of missing one as None (lists as they are)."""
    return value if isinstance(value, list) or not pd.isna(value) else None


def test_the_pivot_ready_export_keeps_its_tables_through_libreoffice(env):
    path = export(env, "dataset.xlsx")
    data = dataset(env)
    found = tables(path)
    entity_tables = {"clusters", "constraints", "indicators", "projects", "recommendations", "regions", "statements"}
    assert entity_tables <= set(found)
    clusters_sheet, clusters_ref = found["clusters"]
    assert clusters_ref.endswith(str(len(data["clusters"]) + 1))  # a header row and a row per cluster
    resaved = libreoffice_resave(path, env.root / "resaved")
    assert resaved.parent != path.parent
    assert tables(resaved) == found  # names, sheets and ranges intact after LibreOffice saved it
    wb = openpyxl.load_workbook(resaved)
    assert wb.sheetnames[0] == "说明"
    assert header(wb[clusters_sheet])[:3] == ["集群编号", "地区编号", "地区名称"]


def test_headers_are_the_template_titles_in_either_language(env):
    schema = env.json("schema")
    inventory = next(s for s in schema["sheets"] if s["kind"] == "inventory")
    for lang in ("zh", "en"):
        wb = openpyxl.load_workbook(export(env, f"dataset-{lang}.xlsx", lang=lang))
        sheet, _ = next((ws.title, ws) for ws in wb if "clusters" in ws.tables)
        assert sheet == inventory[f"title_{lang}"]
        heads = header(wb[sheet])
        titles = [f[f"title_{lang}"] for f in inventory["fields"] if f["key"] != "delete"]
        assert heads[0] == titles[0] and heads[3:3 + len(titles) - 1] == titles[1:]
        approx = "企业数（家）·约数" if lang == "zh" else "Enterprises (count) · approx."
        assert approx in heads


def test_numbers_are_numbers_dates_dates_and_labels_in_the_language(env):
    built = env.build()
    edited = edit(built, "recommendations", "XC", "XC-R01", "完成时限", "2026年6月30日")
    edited = edit(edited, "inventory", "XC", "XC-C02", "发展阶段", "成长期")
    edited = edit(edited, "inventory", "XC", "XC-C02", "产值（亿元）", "约30亿元")
    assert env.run("merge", str(edited)).exit_code == 0
    for lang, label in (("zh", "成长期"), ("en", "Growing")):
        wb = openpyxl.load_workbook(export(env, f"typed-{lang}.xlsx", lang=lang))
        clusters = next(ws for ws in wb if "clusters" in ws.tables)
        heads = header(clusters)
        row = next(r for r in clusters.iter_rows(min_row=2) if r[0].value == "XC-C02")
        output = row[heads.index("产值（亿元）" if lang == "zh" else "Output (100 million yuan)")]
        assert output.value == 30 and output.data_type == "n"
        approx = row[heads.index("产值（亿元）·约数" if lang == "zh" else "Output (100 million yuan) · approx.")]
        assert approx.value == ("约" if lang == "zh" else "about")  # the kind: 约30亿元 is about so
        assert row[heads.index("发展阶段" if lang == "zh" else "Development stage")].value == label
        recs = next(ws for ws in wb if "recommendations" in ws.tables)
        heads = header(recs)
        rec = next(r for r in recs.iter_rows(min_row=2) if r[0].value == "XC-R01")
        due = rec[heads.index("完成时限" if lang == "zh" else "Due date")]
        assert due.is_date and due.value == datetime(2026, 6, 30)


def test_frames_have_the_stores_rows_and_proper_dtypes(env):
    data = dataset(env)
    schema = env.json("schema")
    for lang in ("zh", "en"):
        frames = workbook.frames(env.store, lang=lang)
        assert set(frames) == {k for k, v in data.items() if isinstance(v, list) and k != "constraint_factors"}
        for table, df in frames.items():
            if table == "constraints":  # the JSON lists the matrix's cells; a frame has a row per matrix record,
                # and the seed keeps one for every cluster (assessed or not)
                assessed = df[[f["id"] for f in data["constraint_factors"]]].notna().any(axis=1)
                assert len(df) == len(data["clusters"])
                assert set(df["id"][assessed]) == {c["cluster"] for c in data["constraints"]}
            else:
                assert len(df) == len(data[table]) and list(df["id"]) == sorted(r["id"] for r in data[table])
            assert {"id", "region", "region_name"} <= set(df.columns)
        for sheet in schema["sheets"]:
            table = {"inventory": "clusters", "constraints": "constraints", "recommendations": "recommendations",
                     "projects": "projects", "indicators": "indicators", "profile": "statements",
                     "region": "regions"}[sheet["kind"]]
            df = frames[table]
            for f in sheet["fields"]:
                if f["key"] in ("delete", "cluster_name"):
                    continue
                assert str(df[f["key"]].dtype) == DTYPES[f["type"]], (table, f["key"], df[f["key"]].dtype)
                if f["enum"] is not None:
                    assert list(df[f["key"]].cat.categories) == f[f"enum_{lang}"]
        clusters = frames["clusters"].set_index("id")
        record = {r["id"]: r for r in data["clusters"]}["XC-C04"]
        assert clusters.loc["XC-C04", "enterprises"] == record["enterprises"]
        assert set(record["approx"]) == {k[:-7] for k in clusters.columns
                                         if k.endswith("_approx") and pd.notna(clusters.loc["XC-C04", k])}
        assert clusters.loc["XC-C04", "region_name"] == ("许昌市" if lang == "zh" else "Xuchang")
        projects = frames["projects"].set_index("id")
        assert "预期年产值" in projects.loc["JX-P01", "inferred"] or "Expected" in projects.loc["JX-P01", "inferred"]


def test_a_rounds_snapshot_differs_from_now_exactly_where_a_later_merge_changed_the_store(env):
    opened = env.json("round", "open", "R1", "--due", "2026-01-31", "-o", str(env.root / "R1"), code=0)
    xc = next(Path(w["path"]) for w in opened["workbooks"] if w["region"] == "XC")
    xc = edit(xc, "inventory", "XC", "XC-C02", "企业数（家）", 120, out=env.root / "xc.xlsx")
    assert env.run("merge", str(xc)).exit_code == 0
    assert env.run("round", "close", "R1").exit_code == 0
    with pytest.raises(UsageError):
        workbook.frames(env.store, round="R1-nope")
    later = edit(env.build("later.xlsx"), "inventory", "XC", "XC-C02", "企业数（家）", 150)
    later = edit(later, "recommendations", "XC", "XC-R01", "状态", "进行中")
    assert env.run("merge", str(later)).exit_code == 0

    then, now = workbook.frames(env.store, round="R1"), workbook.frames(env.store)
    assert then.keys() == now.keys()
    changed = []
    for table in now:
        a, b = then[table].set_index("id"), now[table].set_index("id")
        assert list(a.index) == list(b.index) and list(a.columns) == list(b.columns)
        for col in a.columns:
            left, right = ([plain(v) for v in frame[col].astype(object)] for frame in (a, b))
            differ = [rid for rid, x, y in zip(a.index, left, right, strict=True) if x != y]
            changed += [(table, rid, col) for rid in differ]
    assert sorted(changed) == [("clusters", "XC-C02", "enterprises"), ("recommendations", "XC-R01", "status")]
    assert then["clusters"].set_index("id").loc["XC-C02", "enterprises"] == 120
    assert now["clusters"].set_index("id").loc["XC-C02", "enterprises"] == 150

    # the export carries the round's returns as a table of its own
    found = tables(export(env, "with-round.xlsx"))
    assert found["round_1"][0] == "轮次 R1"


def test_an_open_or_unknown_round_has_no_snapshot(env):
    env.json("round", "open", "R2", "--due", "2026-01-31", "-o", str(env.root / "R2"), code=0)
    with pytest.raises(UsageError) as open_round:
        workbook.frames(env.store, round="R2")
    assert open_round.value.code == "frames_round_open"
    with pytest.raises(Unknown):
        workbook.frames(env.store, round="R9")


def test_the_export_is_not_a_return(env):
    path = export(env, "dataset.xlsx")
    result = env.run("validate", str(path))
    assert result.exit_code == 2 and "数据导出" in result.stderr


def test_import_stays_quick_and_the_example_runs_as_the_readme_says(env):
    quick = subprocess.run([sys.executable, "-c", "import sys, workbook; assert 'pandas' not in sys.modules; "
                            "assert callable(workbook.frames)"],
                           capture_output=True, text=True, cwd=ROOT)
    assert quick.returncode == 0, quick.stderr
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/python examples/analyst_frames.py" in readme
    run = subprocess.run([sys.executable, "examples/analyst_frames.py", "--lang", "en"], capture_output=True,
                         text=True, cwd=ROOT, env={**os.environ, "CLUSTER_WB_STORE": env.store}, timeout=120)
    assert run.returncode == 0, run.stderr
    clusters = len(dataset(env)["clusters"])
    assert run.stdout.startswith(f"{clusters} clusters in ")
    assert "Xuchang" in run.stdout


def test_frames_read_by_pandas_equal_the_values_the_export_writes(env):
    """`frames()` reads the plain columns with pandas for speed; the workbook export reads every column in Python.
    Both must give the same values, dtypes and order for every entity, in either language (an edited return merged
    first, so that approximate, inferred and edited values are among them)."""
    from workbook.services.frames import open_for_reading, read_dataset, to_frame
    from workbook.template.columns import columns

    built = env.root / "all.xlsx"
    assert env.run("build", "-o", str(built)).exit_code == 0
    edit(built, "inventory", "XC", "XC-C02", "企业数（家）", "1200多")
    edit(built, "inventory", "XC", "XC-C03", "备注", "")
    assert env.run("merge", str(built)).exit_code == 0
    st = open_for_reading(env.store)
    data = read_dataset(st)
    st.engine.dispose()
    for lang in ("zh", "en"):
        for entity in data.schema.entity_names:
            generic = to_frame(columns(data.schema, entity, lang), data.values(entity, lang))
            pd.testing.assert_frame_equal(data.frame(entity, lang), generic, obj=f"{entity} ({lang})")
