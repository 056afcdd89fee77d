"""The package's layers, as `lint-imports` checks them in CI: kept by the code as it is, and broken by a wrong
import (a stage reaching up to a service, the store reached from a pure stage, a circle inside the template)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root,
                          capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(root), "PATH": ""})


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the package and its contracts, to break on purpose."""
    shutil.copytree(ROOT / "workbook", tmp_path / "workbook", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_import(module: Path, line: str) -> None:
    text = module.read_text(encoding="utf-8")
    anchor = "from __future__ import annotations\n"
    module.write_text(text.replace(anchor, anchor + line + "\n", 1), encoding="utf-8")


def test_the_package_keeps_its_layers(tree):
    done = _lint(tree)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("xlsx/layout.py", "from workbook.services import campaign", "Layers, top to bottom"),
    ("returns/merge.py", "from workbook.store import Store", "Pure stages"),
    ("template/model.py", "import workbook.template.schema", "No import circle"),
    ("returns/validate.py", "import workbook.web.jobs", "Pure stages"),
    ("web/jobs.py", "import workbook.cli", "Layers, top to bottom"),
    ("services/campaign.py", "import starlette.responses", "Web libraries in workbook.web only"),
])
def test_a_wrong_import_breaks_a_contract(tree, module, line, contract):
    _add_import(tree / "workbook" / module, line)
    done = _lint(tree)
    assert done.returncode == 1
    broken = [ln for ln in done.stdout.splitlines() if " BROKEN" in ln]
    assert any(ln.startswith(contract) for ln in broken), done.stdout
