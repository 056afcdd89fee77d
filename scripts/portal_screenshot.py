"""Make docs/portal-result.png, the README's picture of the portal: an office's verdict page for a return with
errors, full page, 1100 px wide, in Debian's Chromium (nothing downloaded). It sets up a throwaway store with the
tests' round and accounts, starts the real `cluster-wb serve`, signs in and uploads as an office would.

    .venv/bin/python scripts/portal_screenshot.py [out.png]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.conftest import Env, edit  # noqa: E402
from tests.test_portal_api import Portal, campaign  # noqa: E402


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="cwb-shot-") as folder:
        env = Env(Path(folder))
        files, keys = campaign.__wrapped__(env)
        bad = edit(files["XC"], "inventory", "XC", "XC-C02", "企业数（家）", "很多",
                   out=env.root / "R1-XC-许昌市.xlsx")
        edit(bad, "inventory", "XC", "XC-C03", "数据年份", 1890)
        edit(bad, "inventory", "XC", "XC-C02", "形成类型", "外资")
        portal = Portal(env)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                            args=["--no-sandbox"])
                page = browser.new_page(base_url=f"http://127.0.0.1:{portal.port}",
                                        viewport={"width": 1100, "height": 400})
                page.goto("/signin")
                page.fill("#key", keys["xuchang"])
                page.click("form[action='/signin'] button[type=submit]")
                page.wait_for_url("**/")
                page.set_input_files("#file", str(bad))
                page.click("#upload-form button[type=submit]")
                page.wait_for_url("**/uploads/*")
                page.locator("#verdict").wait_for()
                page.screenshot(path=str(out), full_page=True)
                browser.close()
        finally:
            code, err = portal.stop()
        if code != 0:
            raise SystemExit(err)
    print(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "portal-result.png")
