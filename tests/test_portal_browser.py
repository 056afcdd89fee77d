"""The portal's pages in a real browser (issue 22): Debian's Chromium driven by Playwright against the real
`cluster-wb serve`, as an office and a coordinator use it — signing in with a key, uploading a return, reading
its issues, downloading the annotated copy, submitting, commenting — with JavaScript on and off, in Chinese and
English. One server and one browser for the module (SQLite; the HTTP-level tests cover PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from . import test_portal_api as api
from .conftest import Env, edit

CHROMIUM = "/usr/bin/chromium"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    """One store for the module's one server (overrides conftest's per-test `env`)."""
    return Env(tmp_path_factory.mktemp("portal-browser"))


# the same round and accounts as the HTTP tests, opened once for the module
campaign = pytest.fixture(scope="module", name="campaign")(api.campaign.__wrapped__)


@pytest.fixture(scope="module")
def portal(env: Env, campaign) -> Iterator[str]:
    """The server's address; at the end it must stop cleanly, without a traceback."""
    server = api.Portal(env)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        code, err = server.stop()
    assert code == 0 and "Traceback" not in err, err


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, portal: str) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) for one test."""
    ctx = browser.new_context(base_url=portal, accept_downloads=True)
    yield ctx
    ctx.close()


def sign_in(ctx: BrowserContext, key: str, *, lang: str = "") -> Page:
    """Type the key into the sign-in form, as a person would; the page lands on the home page."""
    page = ctx.new_page()
    page.goto("/signin" + (f"?lang={lang}" if lang else ""))
    page.fill("#key", key)
    page.click("form[action='/signin'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/$"))
    return page


def upload(page: Page, file: Path) -> None:
    """Pick the file in the upload form and send it; waits for the verdict page."""
    page.set_input_files("#file", str(file))
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#verdict")).to_be_visible()


def tracker_rows(page: Page):
    """The rows of the home page's table of regions (the first table; recent uploads follow it)."""
    return page.locator("table.grid").first.locator("tbody tr")


def issue_rows(page: Page) -> list[list[str]]:
    return [[c.strip() for c in row.locator("td").all_inner_texts()]
            for row in page.locator("#issues tbody tr").all()]


def test_an_office_sees_its_region_uploads_errors_and_downloads_the_annotated_copy(context, env, campaign, tmp_path):
    files, keys = campaign
    page = sign_in(context, keys["xuchang"])
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # its own region only, with the link to download its workbook
    regions = tracker_rows(page)
    expect(regions).to_have_count(1)
    expect(regions.first).to_contain_text("XC")
    assert page.locator("a[href='/regions/XC/workbook']").count() == 1
    assert page.locator("a[href^='/regions/SX']").count() == 0 and "绍兴" not in page.content()

    # a return with a number written as text and a script in a text cell
    bad = edit(files["XC"], "inventory", "XC", "XC-C02", "企业数（家）", "很多", out=tmp_path / "xc-bad.xlsx")
    edit(bad, "inventory", "XC", "XC-C02", "形成类型", SCRIPT)
    upload(page, bad)
    expect(page.locator("#verdict")).to_have_class(re.compile(r"\bbad\b"))
    assert page.locator("#submit").count() == 0  # errors: nothing to submit

    # every issue the command finds, at its sheet and cell; the script shown as text, never run
    expected = env.json("validate", str(bad), code=1)["files"][0]["issues"]
    rows = issue_rows(page)
    assert [(r[1], r[2], r[4], r[5]) for r in rows] == [
        (i["sheet"], i["cell"], i["record"], i["message"]) for i in expected]
    assert {r[2] for r in rows} == {"F3", "J3"} and all(r[0] == "错误" for r in rows)
    expect(page.locator("#issues")).to_contain_text(SCRIPT)
    assert page.locator("#issues script").count() == 0 and dialogs == []

    # the annotated copy: the same return with a 校验结果 sheet listing the issues
    with page.expect_download() as download:
        page.click("a[href$='/annotated']")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    book = openpyxl.load_workbook(saved)
    assert "校验结果" in book.sheetnames
    listed = " ".join(str(v) for row in book["校验结果"].iter_rows(values_only=True) for v in row if v is not None)
    assert "F3" in listed and "J3" in listed
    assert dialogs == []


def test_an_office_submits_a_clean_return_and_it_is_merged_under_its_name(context, env, campaign, tmp_path):
    files, keys = campaign
    page = sign_in(context, keys["xuchang"])
    good = edit(files["XC"], "inventory", "XC", "XC-C02", "企业数（家）", 120, out=tmp_path / "xc-good.xlsx")
    upload(page, good)
    expect(page.locator("#verdict")).to_have_class(re.compile(r"\bok\b"))
    assert page.locator("#issues").count() == 0
    page.click("#submit")
    expect(page).to_have_url(re.compile(r"/uploads/\d+$"))
    verdict = page.locator("#verdict")
    expect(verdict).to_have_text(re.compile(r"^已提交并合并为版本 \d+。$"))
    revision = int(re.search(r"\d+", verdict.inner_text()).group())
    assert page.locator("#submit").count() == 0  # merged: no second submission offered

    entries = [e for e in env.json("log", code=0)["entries"] if e["revision"] == revision]
    assert entries and {e["by"] for e in entries} == {"xuchang"} and {e["source"] for e in entries} == {good.name}
    tracker = {r["region"]: r for r in env.json("status", code=0)["regions"]}
    assert tracker["XC"]["state"] == "merged"


def test_a_coordinators_comment_reaches_the_office(browser, portal, campaign):
    _files, keys = campaign
    coordinator = browser.new_context(base_url=portal)
    office = browser.new_context(base_url=portal)
    try:
        page = sign_in(coordinator, keys["province"])
        expect(tracker_rows(page)).to_have_count(2)  # the tracker: both regions
        for region in ("XC", "SX"):
            assert page.locator(f"a[href='/regions/{region}']").count() == 1
        assert page.locator("#upload-form").count() == 0  # a coordinator has nothing to return
        page.click("a[href='/regions/XC']")
        expect(page).to_have_url(re.compile(r"/regions/XC$"))
        text = "请补充 XC-C02 的产值。\n第二行 <b>不加粗</b>"
        page.fill("#text", text)
        page.click("form[action='/regions/XC/comments'] button[type=submit]")
        expect(page).to_have_url(re.compile(r"/regions/XC$"))
        expect(page.locator("ul.comments li").last).to_contain_text("请补充 XC-C02 的产值。")

        mine = sign_in(office, keys["xuchang"])
        expect(tracker_rows(mine).first).to_contain_text("已退回，附意见")
        mine.click("a[href='/regions/XC']")
        comment = mine.locator("ul.comments li p.comment").last
        expect(comment).to_have_text(text)  # line break kept, the markup shown as typed
        assert mine.locator("ul.comments b").count() == 0
        expect(mine.locator("ul.comments li").last).to_contain_text("province")
        assert mine.locator("#text").count() == 0  # an office cannot comment
    finally:
        coordinator.close()
        office.close()


def test_without_javascript_the_plain_form_uploads(browser, portal, campaign, tmp_path):
    files, keys = campaign
    ctx = browser.new_context(base_url=portal, java_script_enabled=False)
    try:
        page = sign_in(ctx, keys["shaoxing"])
        bad = edit(files["SX"], "inventory", "SX", "SX-C02", "企业数（家）", "若干", out=tmp_path / "sx.xlsx")
        upload(page, bad)
        expect(page).to_have_url(re.compile(r"/upload$"))  # the form's own answer, no script redirecting
        expect(page.locator("#verdict")).to_have_class(re.compile(r"\bbad\b"))
        assert [(r[1], r[2]) for r in issue_rows(page)] == [("绍兴市-集群清单", "J3")]
    finally:
        ctx.close()


def test_with_javascript_the_upload_shows_its_progress(context, campaign, tmp_path):
    files, keys = campaign
    page = sign_in(context, keys["shaoxing"])
    progress = page.locator("#upload-progress")
    expect(progress).to_be_hidden()
    held = []  # the upload's request, held back until the progress box has been seen
    page.route("**/upload", lambda route: held.append(route))
    page.set_input_files("#file", str(files["SX"]))
    page.click("#upload-form button[type=submit]")
    expect(progress).to_be_visible()
    expect(progress.locator("span")).to_have_text(re.compile("正在上传|已上传，正在校验"))
    expect(page.locator("#upload-form button[type=submit]")).to_be_disabled()
    assert len(held) == 1
    held[0].continue_()
    expect(page).to_have_url(re.compile(r"/uploads/\d+$"))  # the script follows X-Result-Location
    expect(page.locator("#verdict")).to_have_class(re.compile(r"\bok\b"))


def test_a_revoked_key_is_refused_and_a_revocation_ends_the_session(browser, context, env, portal, campaign):
    _files, keys = campaign
    page = context.new_page()
    page.goto("/signin")
    page.fill("#key", keys["gone"])
    with page.expect_response(lambda r: r.url.endswith("/signin") and r.request.method == "POST") as answer:
        page.click("form[action='/signin'] button[type=submit]")
    assert answer.value.status == 401
    expect(page.locator("p.message.bad[role=alert]")).to_contain_text("未登录")
    expect(page.locator("#key")).to_be_visible()  # still the sign-in form
    assert not [c for c in context.cookies() if c["name"] == "cwb_session"]
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin$"))

    key = env.json("account", "add", "xuchang2", "--role", "office", "--region", "XC", code=0)["key"]
    other = browser.new_context(base_url=portal)
    try:
        mine = sign_in(other, key)
        assert env.run("account", "revoke", "xuchang2").exit_code == 0
        mine.click("a[href='/regions/XC']")
        expect(mine).to_have_url(re.compile(r"/signin$"))
        expect(mine.locator("#key")).to_be_visible()
    finally:
        other.close()


def test_english_on_request(context, campaign):
    _files, keys = campaign
    page = context.new_page()
    page.goto("/signin?lang=en")
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.locator("label[for=key]")).to_have_text("Key")
    page = sign_in(context, keys["xuchang"], lang="en")  # remembered after the sign-in, without ?lang
    expect(page.locator("header")).to_contain_text("Sign out")
    expect(page.locator("a[href='/regions/XC/workbook']")).to_have_text("Download the round's workbook")
    expect(page.locator("#upload-form button[type=submit]")).to_have_text("Upload and check")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "首页" not in page.locator("header").inner_text()
