"""The English workbook is English: sources said in English (the quotes stay verbatim, as evidence), headers whose
words fit their columns (no "Employme/nt"), and instructions and input messages without Chinese but for the
Chinese a user types or reads in the text, listed here."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import openpyxl
import pytest
import yaml

from workbook.xlsx.build import header_word_width

from .conftest import IN_CI, SOFFICE, Env, edit
from .test_render import to_pdf

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# Chinese an English reader still meets: what may be typed (with its meaning beside it), units and terms given with
# their English.
ALLOWED = ["“3.2万” (3.2 × 10,000)", "“1100多” (more than 1,100)", "“3.2万” is read as 32000", "(or “、”)",
           "(亿元)", "亿元 (100 million yuan)", "家 (firms)", "人 (persons)", "(专精特新)"]


def _without_allowed(text: str) -> str:
    for fragment in ALLOWED:
        text = text.replace(fragment, "")
    return text


@pytest.fixture(scope="module")
def english(tmp_path_factory) -> Path:

    env = Env(tmp_path_factory.mktemp("en"))
    return env.build("en.xlsx", lang="en")


def test_every_header_word_fits_its_column(english):
    wb = openpyxl.load_workbook(english)
    checked = 0
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title == "Instructions":
            continue
        header_row = 3 if ws.title == "Index" else 1
        for cell in ws[header_row]:
            if not isinstance(cell.value, str):
                continue
            width = ws.column_dimensions[cell.column_letter].width
            for word in cell.value.split():
                assert header_word_width(word) <= width, (ws.title, cell.coordinate, word, width)
                checked += 1
    assert checked > 200


@pytest.mark.skipif(SOFFICE is None and not IN_CI, reason="LibreOffice is installed by scripts/system-deps.sh")
def test_no_header_word_breaks_in_print(english, tmp_path):
    """Printed by LibreOffice, no word of a header is cut in two: no printed word is the start of a header word
    that the workbook does not hold as a word of its own."""
    pdf = to_pdf(english, tmp_path)
    printed = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True,
                             capture_output=True, text=True).stdout
    tokens = {w.strip("()[],.;:") for w in printed.split()}
    wb = openpyxl.load_workbook(english)
    words = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            words |= {w.strip("()[],.;:") for v in row if isinstance(v, str) for w in v.split()}
    headers = {w.strip("()[],.;:") for ws in wb.worksheets if ws.sheet_state == "visible" and ws.title != "Instructions"
               for c in ws[3 if ws.title == "Index" else 1] if isinstance(c.value, str) for w in c.value.split()}
    broken = {(w, t) for w in headers for t in tokens if 3 <= len(t) < len(w) and w.startswith(t) and t not in words}
    assert not broken, broken
    assert "Employment" in tokens and "Recommendations" in tokens


def test_sources_are_said_in_english_and_quotes_kept_verbatim(english):
    wb = openpyxl.load_workbook(english)
    seen = {}
    for ws in wb.worksheets:
        header = [c.value for c in ws[1]]
        if "Source" not in header:
            continue
        col, quote = header.index("Source"), header.index("Quote") if "Quote" in header else None
        for row in ws.iter_rows(min_row=2, values_only=True):
            if row[col]:
                assert not CJK.search(row[col]) and row[col].startswith("Article "), (ws.title, row[col])
                seen[(ws.title, row[0])] = (row[col], row[quote] if quote is not None else None)
    assert len(seen) > 100
    clusters = {c["id"]: c for c in yaml.safe_load((ROOT / "data/seed/clusters.yaml").read_text(encoding="utf-8"))}
    shaoxing = next(cid for cid, c in clusters.items() if c["source"] == "第二篇 绍兴市 §一.1")
    source, quote = seen[("Shaoxing-Inventory", shaoxing)]
    assert source == "Article 2, Shaoxing, §1.1" and quote == clusters[shaoxing]["quote"]
    assert seen[("Xuchang-Inventory", "XC-C02")][0] == "Article 1, Xuchang, §1.2, §1.3.2"
    guangdong = {s for (title, _), (s, _) in seen.items() if title.startswith("Guangdong")}
    assert "Article 5, Guangdong, “Upgrading paths”" in guangdong
    matrix = wb["Xuchang-Constraints"]  # the evidence notes of the matrix: the quote, then its source in English
    notes = [c.comment.text for row in matrix.iter_rows(min_row=2) for c in row if c.comment]
    assert notes and all("—— Article 1, Xuchang, §" in n for n in notes if "——" in n)


def test_an_english_workbook_returns_without_readonly_errors(english, tmp_path):
    """The sources as shown in English are the stored ones: validate finds nothing changed; a changed source is an
    error naming the original."""

    env = Env(english.parent)
    result = env.run("validate", str(english), "--format", "json", lang="en")
    assert result.exit_code == 0, result.stdout
    changed = edit(english, "inventory", "SX", "SX-C01", "Source", "Article 9", out=tmp_path / "changed.xlsx")
    result = env.run("validate", str(changed), "--format", "json", lang="en")
    assert result.exit_code == 1 and '"readonly"' in result.stdout and "Article 2, Shaoxing" in result.stdout


def test_instructions_index_and_input_messages_are_english(english):
    wb = openpyxl.load_workbook(english)
    texts = []
    for title in ("Instructions", "Index"):
        texts += [c.value for row in wb[title].iter_rows() for c in row if isinstance(c.value, str)]
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            texts += [t for t in (dv.promptTitle, dv.prompt, dv.errorTitle, dv.error) if t]
    assert len(texts) > 100
    left = [t for t in texts if CJK.search(_without_allowed(t))]
    assert not left, left
