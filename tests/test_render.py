"""What officials see: LibreOffice opens the workbook and prints it, with Chinese text in a CJK font."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from .conftest import IN_CI, SOFFICE

pytestmark = pytest.mark.skipif((SOFFICE is None or shutil.which("pdftotext") is None) and not IN_CI,
                                reason="needs LibreOffice and poppler-utils: run scripts/system-deps.sh")


def to_pdf(path: Path, outdir: Path) -> Path:
    profile = Path("/tmp") / f"cwb-lo-{uuid.uuid4().hex}"
    try:
        subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(outdir), str(path)], check=True, capture_output=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return outdir / (path.stem + ".pdf")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_workbook_prints_every_sheet_legibly(env, lang):
    path = env.build("wb.xlsx", lang=lang)
    pdf = to_pdf(path, env.root)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 20  # instructions, index and 4-5 sheets for each region
    expected = ["许昌市", "嵊州领带产业集群", "长葛大周有色金属冶炼加工产业集群"] if lang == "zh" else \
        ["Xuchang", "Shaoxing", "Fuxin", "necktie"]
    for word in expected:
        assert word in "".join(text.split()).replace("\u00a0", "") or word in text, word
    # footer: region and page number on every data page
    footer = "第" if lang == "zh" else "Page"
    assert sum(1 for p in pages if footer in p) >= 20
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts or "Noto" in fonts


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_validation_results_print_first_on_a_readable_page(env, lang):
    """The annotated copy printed through LibreOffice: page 1 is the results list (summary, what to do, each
    problem with the column's header), not three pages away from it."""
    from .conftest import edit

    path = env.build("wb.xlsx", lang=lang)
    stage = "发展阶段" if lang == "zh" else "Development stage"
    enterprises = "企业数（家）" if lang == "zh" else "Enterprises (count)"
    edit(path, "inventory", "XC", "XC-C02", stage, "很好")
    edit(path, "inventory", "XC", "XC-C03", enterprises, "3.2万多")
    out = env.root / "checked.xlsx"
    assert env.run("validate", str(path), "--annotate", str(out), lang=lang).exit_code == 1
    pdf = to_pdf(out, env.root)
    first = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout
    flat = "".join(first.split())
    if lang == "zh":
        assert "1个错误，1个警告" in flat and "不是允许的值" in flat and "下限：至少" in flat
    else:
        assert "1errors,1warnings" in flat and "notallowed" in flat and "atleast" in flat
    assert "".join(stage.split()) in flat and "".join(enterprises.split()) in flat  # headers, not field keys
    assert "enterprises" not in first.split()
