"""A coordinator adapts the template: four edits a province makes, applied to the store.

Run from the project folder with the project's Python (the store of CLUSTER_WB_STORE, or
data/cluster-wb.sqlite):

    .venv/bin/python examples/adapt_template.py            # writes output/province-template.yaml, shows the change
    .venv/bin/python examples/adapt_template.py --apply    # and applies it (the store's next schema version)

The edits, as a person makes them in the YAML that `cluster-wb schema --format yaml` prints:
1. a number field 亩均税收（万元） (tax per mu) in the inventory, after 产值;
2. a constraint factor 物流成本高 (logistics costs) in the 要素投入 group;
3. the stage label 成长期 renamed 成长阶段 (the stored code `growth` stays; workbooks show the new label);
4. the field 集群促进机构 (cluster organisation) retired: two clusters hold a value, so the file's `migrate:`
   says that they may go (they stay in the store's history and audit trail).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

TAX_PER_MU = """\
      - {key: tax_per_mu, title: {zh: 亩均税收（万元）, en: Tax per mu (10k yuan)}, type: number, unit: 万元,
         min: 0, max: 10000, width: 8,
         help: {zh: 每亩土地的年税收（万元）。, en: "Annual tax per mu of land, in 10,000 yuan."}}
"""
LOGISTICS = """\
  - {id: logistics, group: inputs, zh: 物流成本高, en: Logistics costs,
     help: {zh: 物流不畅、运输成本高。, en: "Poor logistics, high transport costs."}}
"""
MIGRATE = """
# how this change treats stored values (kept with the version applied, not part of the schema)
migrate:
  retire: [inventory.organisation]   # its values may go: they stay in the history
"""


def cluster_wb(*args: str) -> subprocess.CompletedProcess:
    """Run the command as a person would: the one installed beside this Python (a venv's), else on the PATH."""
    beside = Path(sys.executable).with_name("cluster-wb")
    command = str(beside) if beside.exists() else "cluster-wb"
    return subprocess.run([command, *args], capture_output=True, text=True, encoding="utf-8")


def adapted(template: str) -> str:
    """The store's template with the province's four edits."""
    text = template.replace("      - {key: assets,", TAX_PER_MU + "      - {key: assets,", 1)
    text = text.replace("  - {id: environment,", LOGISTICS + "  - {id: environment,", 1)
    text = text.replace("{code: growth, zh: 成长期,", "{code: growth, zh: 成长阶段,", 1)
    text = re.sub(r"      - \{key: organisation,.*\n(?:         .*\n)*", "", text, count=1)
    return text + MIGRATE


def main() -> int:
    current = cluster_wb("schema", "--format", "yaml")
    if current.returncode:
        print(current.stderr, file=sys.stderr)
        return current.returncode
    path = Path("output") / "province-template.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(adapted(current.stdout), encoding="utf-8")
    print(f"wrote {path}")
    step = cluster_wb("schema", "apply", str(path), *([] if "--apply" in sys.argv else ["--dry-run"]))
    print(step.stdout, end="")
    print(step.stderr, end="", file=sys.stderr)
    return step.returncode


if __name__ == "__main__":
    sys.exit(main())
