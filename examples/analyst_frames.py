"""An analyst's first cuts of the store in pandas: clusters by development stage and region, the constraint
factors that weigh most, and the figures flagged approximate.

Run from the project folder with the project's Python (the store of CLUSTER_WB_STORE, or
data/cluster-wb.sqlite, created with the bundled dataset if missing):

    .venv/bin/python examples/analyst_frames.py              # the store now, labels in Chinese
    .venv/bin/python examples/analyst_frames.py --lang en    # labels in English
    .venv/bin/python examples/analyst_frames.py --round R1   # at the snapshot of the closed round R1
"""

from __future__ import annotations

import argparse

import pandas as pd

import workbook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument("--round", default=None, help="a closed round: its snapshot instead of now")
    args = parser.parse_args()

    frames = workbook.frames(lang=args.lang, round=args.round)
    clusters = frames["clusters"]
    print(f"{len(clusters)} clusters in {clusters['region'].nunique()} regions")

    # a pivot: clusters per region and stage (the stages in the template's order, empty ones kept)
    by_stage = pd.crosstab(clusters["region_name"], clusters["stage"], dropna=False)
    print(by_stage.to_string())

    # sums skip what is unknown (nullable Int64 / Float64), and say how many of them are approximate
    per_region = clusters.groupby("region_name", observed=True).agg(
        clusters=("id", "size"), enterprises=("enterprises", "sum"), output=("output", "sum"),
        approximate=("enterprises_approx", "count"))  # the kind where approximate, else empty
    print(per_region.to_string())

    # the constraint matrix: a severity column per factor; clusters at severity 2 or 3, per factor
    matrix = frames["constraints"]
    factors = [c for c in matrix.columns if isinstance(matrix[c].dtype, pd.CategoricalDtype)]
    heavy = {f: int(matrix[f].isin(["2", "3"]).sum()) for f in factors}
    print(pd.Series(heavy, name="clusters at 2-3").sort_values(ascending=False).head(5).to_string())


if __name__ == "__main__":
    main()
