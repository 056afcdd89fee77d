"""The README tells the truth: its field reference is the schema's, and CI runs its test command."""

from __future__ import annotations

import re
from pathlib import Path

from workbook.docs import render_readme
from workbook.template.schema import load_schema

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


def test_every_issue_code_the_code_can_report_is_in_the_catalogue():
    """Walk the sources for the codes issues and refusals are made with: each is in the message catalogue
    (which the README's code reference lists), with a severity for issues."""
    import ast

    from workbook.core.messages import ISSUE_MESSAGES, REFUSALS

    issue_calls = {"add", "of", "Note"}
    refusal_classes = {"Refused", "ReadError", "StoreError", "UsageError", "DatasetError", "PdfError",
                       "SchemaFileError", "ApplyRefused", "Refusal", "Forbidden", "Unknown", "NotSignedIn",
                       "TooLarge"}
    found_issues, found_refusals = set(), set()
    for path in (ROOT / "workbook").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            code = node.args[0].value
            if name in issue_calls and isinstance(code, str):
                found_issues.add(code)
            elif name in refusal_classes and isinstance(code, str):
                found_refusals.add(code)
    assert found_issues and found_refusals
    assert found_issues <= set(ISSUE_MESSAGES), found_issues - set(ISSUE_MESSAGES)
    assert found_refusals <= set(REFUSALS), found_refusals - set(REFUSALS)
    assert all(e["severity"] in ("error", "warning") for e in ISSUE_MESSAGES.values())
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"| `{code}` |" in text for code in [*ISSUE_MESSAGES, *REFUSALS])
