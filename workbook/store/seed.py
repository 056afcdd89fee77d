"""Load a dataset folder (the bundled seed, or `init --from DIR`) into store records.

A dataset is a YAML file per entity of the schema (the bundled one: regions, clusters, constraints,
recommendations, projects, indicators).
Constraints are written as diagnoses (a factor set on named clusters or on a whole region) and expanded
here into one constraint record per cluster: {factor id: severity}, with the evidence kept beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from workbook.core.changes import Change
from workbook.core.errors import CwbError
from workbook.template.approx import approx_marks
from workbook.template.field_types import field_type
from workbook.template.model import Schema
from workbook.template.schema import yaml_load


class DatasetError(CwbError):
    """The dataset folder cannot be loaded; the message names the file and the record."""


def _load_list(path: Path) -> list[dict]:
    if not path.exists():
        return []
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml_load(fh.read()) or []
    except yaml.YAMLError as exc:
        raise DatasetError("dataset_yaml", path=str(path), why=str(exc)) from None
    if not isinstance(doc, list) or not all(isinstance(d, dict) for d in doc):
        raise DatasetError("dataset_not_list", path=str(path))
    return doc


def load_dataset(folder: Path, schema: Schema) -> dict[str, dict[str, dict]]:
    """Read and check a dataset folder; returns {entity: {id: record}}."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError("dataset_not_folder", path=str(folder))
    if not (folder / schema.entities["region"].seed_file).exists():
        raise DatasetError("dataset_no_regions", path=str(folder), regions=schema.entities["region"].seed_file,
                           files=", ".join(e.seed_file for e in schema.entities.values()))
    out: dict[str, dict[str, dict]] = {}
    files = {e.name: e.seed_file for e in schema.entities.values()}
    for entity, name in files.items():
        if schema.entities[entity].seed_form != "records":
            continue
        records: dict[str, dict] = {}
        for i, rec in enumerate(_load_list(folder / name), start=1):
            rid = rec.get("id")
            if not rid:
                raise DatasetError("dataset_no_id", path=str(folder / name), n=i)
            if rid in records:
                raise DatasetError("dataset_duplicate_id", path=str(folder / name), id=rid)
            empty_keys = [k for k, v in rec.items() if v is None]
            if empty_keys:  # usually an unquoted comma in a flow mapping, which YAML turns into a stray key
                keys = ", ".join(map(str, empty_keys))
                raise DatasetError("dataset_empty_keys", path=str(folder / name), id=rid, keys=keys)
            data = {k: v for k, v in rec.items() if k != "id"}
            if entity != "region":
                if data.get("region") is None:
                    raise DatasetError("dataset_no_region", path=str(folder / name), id=rid)
                _check_record(schema, entity, rid, data, folder / name)
            if entity == "region":
                data.setdefault("order", i)
            records[str(rid)] = data
        out[entity] = records
    regions = out["region"]
    for entity, records in out.items():
        for rid, data in records.items():
            if entity != "region" and data["region"] not in regions:
                raise DatasetError("dataset_unknown_region", path=str(folder / files[entity]), id=rid,
                                   region=data["region"])
    for entity in schema.entities.values():  # the matrix: diagnoses expanded over the clusters they name
        if entity.seed_form == "diagnoses":
            out[entity.name] = _expand_constraints(folder / entity.seed_file, out["cluster"], schema)
    return {e: out[e] for e in schema.entity_names if e in out}  # seeded in the schema's order


def _check_record(schema: Schema, entity: str, rid: str, data: dict, path: Path) -> None:
    sheet = schema.sheet_for_entity(entity)
    keys = {f.key for f in sheet.stored_fields} | {"region", "approx", "inferred"}
    unknown = set(data) - keys
    if unknown:
        raise DatasetError("dataset_unknown_fields", path=str(path), id=rid, fields=", ".join(sorted(unknown)))
    for mark in ("approx", "inferred"):  # marks of single values: each names a field the record holds
        stray = set(data.get(mark) or ()) - set(data)
        if stray:
            raise DatasetError("dataset_unknown_fields", path=str(path), id=rid,
                               fields=f"{mark}: " + ", ".join(sorted(stray)))
    if data.get("approx"):  # {field: {kind, high}}; a dataset from before lists the fields (each "about")
        data["approx"] = approx_marks(data["approx"])
    for f in sheet.stored_fields:
        value = data.get(f.key)
        if value is None:
            continue
        if f.enum and schema.option(f.enum, value) is None:
            raise DatasetError("dataset_bad_code", path=str(path), id=rid, field=f.key, value=repr(value))
        if not field_type(f).known(schema, value):
            raise DatasetError("dataset_bad_code", path=str(path), id=rid, field=f.key, value=repr(value))


def _expand_constraints(path: Path, clusters: dict[str, dict], schema: Schema) -> dict[str, dict]:
    factor_ids = {f.id for f in schema.factors}
    matrix: dict[str, dict[str, Any]] = {cid: {"region": c["region"]} for cid, c in clusters.items()}
    evidence: dict[str, dict[str, dict]] = {cid: {} for cid in clusters}
    inferred: dict[str, dict[str, str]] = {cid: {} for cid in clusters}
    for i, d in enumerate(_load_list(path), start=1):
        factor = d.get("factor")
        if factor not in factor_ids:
            raise DatasetError("dataset_unknown_factor", path=str(path), n=i, factor=repr(factor))
        severity = d.get("severity")
        if severity not in (0, 1, 2, 3):
            raise DatasetError("dataset_bad_severity", path=str(path), n=i, severity=repr(severity))
        if d.get("clusters"):
            targets = list(d["clusters"])
            for cid in targets:
                if cid not in clusters:
                    raise DatasetError("dataset_unknown_cluster", path=str(path), n=i, cluster=cid)
        else:
            targets = [cid for cid, c in clusters.items() if c["region"] == d.get("region")]
        why = (d.get("inferred") or {}).get("clusters")  # set on a cluster the text does not name with it
        for cid in targets:
            if matrix[cid].get(factor, -1) < severity:
                matrix[cid][factor] = severity
                evidence[cid][factor] = {"quote": d.get("quote", ""), "source": d.get("source", "")}
                if why:
                    inferred[cid][factor] = why
                else:
                    inferred[cid].pop(factor, None)
    for cid, ev in evidence.items():
        if ev:
            matrix[cid]["evidence"] = ev
        if inferred[cid]:  # the cell's mark, as any record's: {factor: reason}
            matrix[cid]["inferred"] = inferred[cid]
    return matrix


def seed_changes(dataset: dict[str, dict[str, dict]]) -> list[Change]:
    """One insert per record, in the order of the schema's entities, for the first revision."""
    changes = []
    for entity in dataset:
        for rid, data in dataset.get(entity, {}).items():
            region = rid if entity == "region" else data.get("region")
            changes.append(Change(entity=entity, record=rid, field=None, op="insert", new=data, region=region))
    return changes
