"""The README tells the truth: its field reference is the schema's, and CI runs its test command."""

from __future__ import annotations

import re
from pathlib import Path

from workbook.docs import render_readme
from workbook.schema import load_schema

ROOT = Path(__file__).resolve().parent.parent


def test_field_reference_is_generated_from_the_schema():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert render_readme(text, load_schema()) == text, "run `python -m workbook.docs` to regenerate it"


def test_ci_runs_the_readme_test_command_verbatim():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", text, re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert any("cluster-wb build" in b for b in blocks[:2])
