"""The portal's pages (issue 22) over HTTP, on SQLite and on PostgreSQL: the real `cluster-wb serve` in a
subprocess, a client that keeps its cookie as a browser does. Every page and download answers by the account's
scope; a session lives in the store (any server on the store answers it, a revocation ends it); every form that
changes something needs its session's check code; wrong keys are throttled; workbook text is escaped."""

from __future__ import annotations

import hashlib
import html
import http.client
import re
import signal
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import openpyxl
import pytest

from .conftest import edit
from .test_hostile import rezip
from .test_portal_api import Portal, campaign  # noqa: F401 - the fixture, shared
from .test_postgresql import pg_env

pytestmark = pytest.mark.both_stores


class Browser:
    """A client of the pages that keeps its session cookie, as a browser does (and sends no Origin unless told)."""

    def __init__(self, portal: Portal):
        self.port = portal.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, form: dict[str, str] | None = None,
                file: tuple[str, bytes] | None = None, headers: dict[str, str] | None = None
                ) -> tuple[int, str | bytes, dict[str, str]]:
        headers = dict(headers or {})
        body = None
        if file is not None:
            boundary = uuid.uuid4().hex
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                     for k, v in (form or {}).items()]
            parts.append((f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file[0]}"\r\n'
                          "Content-Type: application/octet-stream\r\n\r\n").encode() + file[1] + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            for name, value in answer.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    val = rest.split(";", 1)[0]
                    if "max-age=0" in value.lower() or not val.strip('"'):
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = val
            kind = answer.getheader("content-type", "")
            shown = data.decode() if kind.startswith("text/html") else data
            return answer.status, shown, {k.lower(): v for k, v in answer.getheaders()}
        finally:
            conn.close()

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.request("POST", path, **kw)

    def sign_in(self, key: str) -> None:
        status, _page, headers = self.post("/signin", form={"key": key})
        assert status == 303 and headers["location"] == "/", status

    def check_code(self) -> str:
        status, page, _ = self.get("/")
        assert status == 200
        return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def _cells(page: str, table_id: str) -> list[list[str]]:
    """The rows of a table of a page, as the text of their cells."""
    body = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in rows if "<td" in r]


@pytest.fixture
def served(env, campaign):  # noqa: F811 - the fixture imported above
    files, keys = campaign
    portal = Portal(env)
    try:
        yield portal, files, keys
    finally:
        code, err = portal.stop()
        assert code == 0, err
        assert "Traceback" not in err or "request " in err  # a failure is logged under its request id only


def test_signing_in_sets_a_session_and_wrong_keys_are_refused_then_throttled(env, served):
    portal, _files, keys = served
    office = Browser(portal)
    status, page, headers = office.get("/")
    assert status == 303 and headers["location"] == "/signin"
    status, page, headers = office.post("/signin", form={"key": keys["xuchang"]})
    assert status == 303 and headers["location"] == "/"
    cookie = headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie  # plain HTTP here
    status, page, headers = office.get("/")
    assert status == 200 and "许昌市" in page and "绍兴市" not in page  # its own region only
    assert "script-src 'self'" in headers["content-security-policy"] and headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]

    stranger = Browser(portal)
    status, page, headers = stranger.post("/signin", form={"key": keys["gone"]})  # a revoked key
    assert status == 401 and "set-cookie" not in headers and "密钥不对" in page
    assert stranger.get("/")[0] == 303
    # 30 wrong keys from one client: after ten, 429 for a while, whatever the key (a right one included)
    answers = [stranger.post("/signin", form={"key": f"guess-{i}"})[0] for i in range(30)]
    assert answers[:9] == [401] * 9 and set(answers[9:]) == {429}, answers
    status, page, headers = stranger.post("/signin?lang=en", form={"key": keys["province"]})
    assert status == 429 and int(headers["retry-after"]) > 60 and "try again in" in page
    # counted in the store: another server on the same store refuses this client too
    other = Portal(env)
    try:
        assert Browser(other).post("/signin", form={"key": "another-guess"})[0] == 429
    finally:
        assert other.stop()[0] == 0
    # the office signed in before is not affected: its session goes on
    assert office.get("/")[0] == 200


def test_every_page_answers_by_the_accounts_scope(env, served):
    portal, files, keys = served
    # a warning (an unusual count): its upload has an annotated copy
    xc = edit(files["XC"], "inventory", "XC", "XC-C02", "企业数（家）", 1, out=env.root / "xc.xlsx")
    sx = edit(files["SX"], "inventory", "SX", "SX-C02", "企业数（家）", 7, out=env.root / "sx.xlsx")
    people = {who: Browser(portal) for who in ("province", "xuchang", "shaoxing")}
    for who, browser in people.items():
        browser.sign_in(keys[who])
    # one upload each office, of its own region's return
    seq = {}
    for who, path in (("xuchang", xc), ("shaoxing", sx)):
        b = people[who]
        status, page, headers = b.post("/upload", form={"csrf": b.check_code()}, file=(path.name, path.read_bytes()))
        assert status == 200, page
        seq[who] = int(headers["x-result-location"].rsplit("/", 1)[1])
    nobody = Browser(portal)
    revoked = Browser(portal)  # signed in, then its key revoked: its session ends with it
    revoked.sign_in(env.json("account", "add", "later", "--role", "office", "--region", "XC", code=0)["key"])
    assert revoked.get("/")[0] == 200 and env.run("account", "revoke", "later").exit_code == 0
    routes = {  # GET route -> status for province, xuchang, shaoxing, nobody (then a revoked session: 303)
        "/": [200, 200, 200, 303],
        "/regions/XC": [200, 200, 403, 303],
        "/regions/SX": [200, 403, 200, 303],
        "/regions/XC/workbook": [200, 200, 403, 303],
        "/regions/SX/workbook?round=R1": [200, 403, 200, 303],
        f"/uploads/{seq['xuchang']}": [200, 200, 403, 303],
        f"/uploads/{seq['xuchang']}/file": [200, 200, 403, 303],
        f"/uploads/{seq['xuchang']}/annotated": [200, 200, 403, 303],
        f"/uploads/{seq['shaoxing']}/file": [200, 403, 200, 303],
        "/report.xlsx": [200, 403, 403, 303],
        "/accounts": [200, 403, 403, 303],
        "/uploads/999": [404, 404, 404, 303],
        "/regions/ZZ": [404, 403, 403, 303],  # an office: refused before it is looked up
    }
    for path, expected in routes.items():
        got = []
        for browser in (*people.values(), nobody, revoked):
            status, page, headers = browser.get(path)
            got.append(status)
            if isinstance(page, str):
                assert "Traceback" not in page
            if status == 303:
                assert headers["location"] == "/signin"
            if status == 200 and path.endswith(("/file", "/workbook", ".xlsx", "/annotated")):
                assert page[:2] == b"PK"
        assert got == [*expected, 303], (path, got)
    # the files kept are the files sent, byte for byte; an office's home lists its own uploads only
    assert people["xuchang"].get(f"/uploads/{seq['xuchang']}/file")[1] == xc.read_bytes()
    home = people["xuchang"].get("/")[1]
    assert "xc.xlsx" in home and "sx.xlsx" not in home
    assert "sx.xlsx" in people["province"].get("/")[1]
    # what an office may not change: another's upload, comments, accounts
    office = people["shaoxing"]
    code = office.check_code()
    assert office.post(f"/uploads/{seq['xuchang']}/submit", form={"csrf": code})[0] == 403
    assert office.post("/regions/SX/comments", form={"csrf": code, "text": "hello"})[0] == 403
    assert office.post("/accounts", form={"csrf": code, "name": "x", "role": "coordinator"})[0] == 403
    assert env.json("status", code=0)["summary"]["merged"] == 0
    assert [a["name"] for a in env.json("account", "list", code=0)["accounts"]] == sorted([*keys, "later"])


def test_an_office_checks_submits_and_reads_the_coordinators_comment(env, served):
    portal, files, keys = served
    office, coordinator = Browser(portal), Browser(portal)
    office.sign_in(keys["xuchang"])
    coordinator.sign_in(keys["province"])
    bad = edit(files["XC"], "inventory", "XC", "XC-C02", "企业数（家）", "很多", out=env.root / "bad.xlsx")
    bad = edit(bad, "inventory", "XC", "XC-C02", "备注", "<script>alert(1)</script>")
    bad = edit(bad, "inventory", "XC", "XC-C03", "企业数（家）", "<b>x</b>")
    # the upload's answer is the verdict, every issue at its cell, as `validate` finds them, in the page's language
    status, page, headers = office.post("/upload", form={"csrf": office.check_code()},
                                        file=("../../etc/passwd/bad.xlsx", bad.read_bytes()))
    assert status == 200 and "有 2 个错误" in page
    cli = env.json("validate", str(bad), code=1)["files"][0]["issues"]
    rows = _cells(page, "issues")
    assert [(r[1], r[2]) for r in rows] == [(i["sheet"], i["cell"]) for i in cli]
    assert [r[5] for r in rows] == [i["message"] for i in cli]
    assert rows[0][3] == "企业数（家）" and rows[0][4] == "XC-C02"
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page  # workbook text is escaped
    assert "<script>alert" not in page
    assert "bad.xlsx" in page and "passwd" not in page  # the file's own name, never its path
    seq = int(headers["x-result-location"].rsplit("/", 1)[1])
    # no submit offered for a file with errors; the annotated copy marks them
    assert f"/uploads/{seq}/submit" not in page
    status, marked, headers = office.get(f"/uploads/{seq}/annotated")
    assert status == 200 and "bad-%E6%A0%A1%E9%AA%8C.xlsx" in headers["content-disposition"]
    book = openpyxl.load_workbook(BytesIO(marked))
    assert book.sheetnames[0] == "校验结果"
    # English on request
    status, page, _ = office.get(f"/uploads/{seq}?lang=en")
    assert "Errors: 2, warnings" in page and "Sheet" in page
    assert office.get("/")[1].count("English") == 0  # remembered: the page now offers 中文
    office.get("/?lang=zh")

    # a clean return: submitted, merged under the account's name; submitted again, merged before
    good = edit(files["XC"], "inventory", "XC", "XC-C02", "企业数（家）", 1234, out=env.root / "good.xlsx")
    status, page, headers = office.post("/upload", form={"csrf": office.check_code()},
                                        file=("good.xlsx", good.read_bytes()))
    assert status == 200 and "校验通过" in page
    seq = int(headers["x-result-location"].rsplit("/", 1)[1])
    # a form without the session's check code, or sent from another site: 403, nothing merged
    assert office.post(f"/uploads/{seq}/submit", form={})[0] == 403
    assert office.post(f"/uploads/{seq}/submit", form={"csrf": "0" * 64})[0] == 403
    assert office.post(f"/uploads/{seq}/submit", form={"csrf": office.check_code()},
                       headers={"Origin": "http://evil.example"})[0] == 403
    assert env.json("status", code=0)["regions"][0]["state"] != "merged"
    status, _page, headers = office.post(f"/uploads/{seq}/submit", form={"csrf": office.check_code()})
    assert status == 303 and headers["location"] == f"/uploads/{seq}"
    page = office.get(f"/uploads/{seq}")[1]
    revision = int(re.search(r"已提交并合并为版本 (\d+)", page).group(1))
    entries = [e for e in env.json("log", code=0)["entries"] if e["revision"] == revision]
    assert entries and {e["by"] for e in entries} == {"xuchang"} and {e["source"] for e in entries} == {"good.xlsx"}
    assert {r["region"]: r["state"] for r in env.json("status", code=0)["regions"]}["XC"] == "merged"
    office.post(f"/uploads/{seq}/submit", form={"csrf": office.check_code()})
    assert f"此文件已于版本 {revision} 合并过" in office.get(f"/uploads/{seq}")[1]

    # the coordinator sees the tracker and the region's returns with their SHA-256, and comments
    page = coordinator.get("/")[1]
    assert "许昌市" in page and "绍兴市" in page and "已合并" in page
    page = coordinator.get("/regions/XC")[1]
    assert hashlib.sha256(good.read_bytes()).hexdigest() in page and "bad.xlsx" in page
    code = coordinator.check_code()
    assert coordinator.post("/regions/XC/comments", form={"text": "企业数请核对"})[0] == 403
    status, _p, headers = coordinator.post("/regions/XC/comments",
                                           form={"csrf": code, "text": "企业数请核对 <i>来源</i>", "upload": str(seq)})
    assert status == 303 and headers["location"] == "/regions/XC"
    page = office.get("/regions/XC")[1]
    assert "企业数请核对 &lt;i&gt;来源&lt;/i&gt;" in page and "province" in page
    assert "已退回，附意见" in office.get("/")[1]
    assert Browser(portal).get("/regions/XC")[0] == 303  # no session: the sign-in page only


def test_sessions_end_with_revocation_expiry_and_sign_out_on_any_server(env, served):
    portal, _files, keys = served
    other = Portal(env)  # a second server on the same store, as a second host behind a load balancer
    try:
        office = Browser(portal)
        office.sign_in(keys["xuchang"])
        office.port = other.port  # the same browser, answered by the other server
        assert office.get("/")[0] == 200
        assert env.run("account", "revoke", "xuchang").exit_code == 0
        status, _page, headers = office.get("/")
        assert status == 303 and headers["location"] == "/signin"
        office.port = portal.port
        assert office.get("/")[0] == 303

        again = env.json("account", "key", "xuchang", code=0)["key"]
        office.sign_in(again)
        assert office.get("/")[0] == 200
        # a session past its expiry is over (its end kept in the store, as any server reads it)
        from workbook.store import open_store
        from workbook.store.tables import sessions_t
        st = open_store(env.store)
        with st.engine.begin() as c:
            c.execute(sessions_t.update().values(expires="2000-01-01T00:00:00+00:00"))
        st.engine.dispose()
        assert office.get("/")[0] == 303
        # signing out needs the check code, and ends the session for every server
        office.sign_in(again)
        code = office.check_code()
        assert office.post("/signout", form={})[0] == 403
        assert office.post("/signout", form={"csrf": code})[0] == 303
        office.port = other.port
        assert office.get("/")[0] == 303
    finally:
        assert other.stop()[0] == 0


def test_the_coordinator_manages_accounts_from_the_page(env, served):
    portal, _files, keys = served
    coordinator = Browser(portal)
    coordinator.sign_in(keys["province"])
    code = coordinator.check_code()
    status, page, headers = coordinator.post("/accounts", form={"csrf": code, "name": "jiaxing", "role": "office",
                                                                "region": "JX"})
    assert status == 200 and headers["cache-control"] == "no-store"
    key = re.search(r'id="new-key" class="code" type="text" readonly size="56" value="([^"]+)"', page).group(1)
    listed = {a["name"]: a for a in env.json("account", "list", code=0)["accounts"]}
    assert listed["jiaxing"]["regions"] == ["JX"] and listed["jiaxing"]["role"] == "office"
    newcomer = Browser(portal)
    newcomer.sign_in(key)
    assert "嘉兴港区" in newcomer.get("/")[1] or newcomer.get("/")[0] == 200
    # a refusal says why, on the page: a duplicate name
    status, page, _ = coordinator.post("/accounts", form={"csrf": code, "name": "jiaxing", "role": "office",
                                                          "region": "JX"})
    assert status == 400 and "jiaxing" in page
    status, _page, _ = coordinator.post("/accounts/jiaxing/revoke", form={"csrf": code})
    assert status == 303
    assert newcomer.get("/")[0] == 303
    assert {a["name"]: a for a in env.json("account", "list", code=0)["accounts"]}["jiaxing"]["active"] is False


@pytest.mark.one_store
def test_the_report_as_pdf_from_the_page_and_the_api_and_unknown_addresses(env, served):
    portal, _files, keys = served
    coordinator = Browser(portal)
    coordinator.sign_in(keys["province"])
    status, pdf, headers = coordinator.get("/report.pdf")
    assert status == 200 and pdf[:5] == b"%PDF-" and headers["content-type"] == "application/pdf"
    status, answer, headers = portal.call("GET", "/api/report?format=pdf", keys["province"])
    assert status == 200 and answer[:5] == b"%PDF-"
    assert portal.call("GET", "/api/report?format=pdf", keys["xuchang"])[0] == 403
    status, page, _ = coordinator.get("/report.txt")
    assert status == 400 and "xlsx, pdf" in page
    status, page, _ = coordinator.get("/nothing/here")
    assert status == 404 and "没有这个地址" in page and "<html" in page


def test_hostile_uploads_through_the_pages(env, served):
    """A non-workbook, an oversized body, a zip bomb, another region's workbook: each refused with a page that says
    why, nothing kept or recorded; two offices uploading at once: each gets its own verdict."""
    portal, files, keys = served
    office, other = Browser(portal), Browser(portal)
    office.sign_in(keys["xuchang"])
    other.sign_in(keys["shaoxing"])
    code = office.check_code()
    status, page, _ = office.post("/upload", form={"csrf": code}, file=("notes.xlsx", b"not a workbook"))
    assert status == 400 and "notes.xlsx" in page and "Traceback" not in page
    bomb = rezip(files["XC"], env.root / "bomb.xlsx", add={"xl/media/filler.bin": b"\0" * (60 * 1024 * 1024)})
    status, page, _ = office.post("/upload?lang=en", form={"csrf": code}, file=("bomb.xlsx", bomb.read_bytes()))
    assert status == 400 and "zip bomb" in page
    status, page, _ = office.post("/upload", form={"csrf": code}, file=("sx.xlsx", files["SX"].read_bytes()))
    assert status == 403 and "SX" in page and "sx.xlsx" in page
    status, page, _ = office.post("/upload", form={}, file=("xc.xlsx", files["XC"].read_bytes()))
    assert status == 403  # no check code: refused before the file is checked
    conn = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=30)  # a body over the 50 MB limit
    conn.putrequest("POST", "/upload")
    conn.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in office.cookies.items()))
    conn.putheader("Content-Type", "multipart/form-data; boundary=b")
    conn.putheader("Content-Length", str(51 << 20))
    conn.endheaders()
    answer = conn.getresponse()
    page = answer.read().decode()
    conn.close()
    assert answer.status == 413 and "50 MB" in page and "<html" in page
    assert env.json("status", code=0)["summary"]["returned"] == 0  # nothing recorded
    assert "尚无上传的文件" in office.get("/regions/XC?lang=zh")[1]  # nothing kept

    # two offices at once, each its own region's return: each answered with its own verdict
    xc = edit(files["XC"], "inventory", "XC", "XC-C02", "企业数（家）", "很多", out=env.root / "xc-bad.xlsx")
    sx = edit(files["SX"], "inventory", "SX", "SX-C02", "企业数（家）", 7, out=env.root / "sx-ok.xlsx")
    codes = {id(office): office.check_code(), id(other): other.check_code()}
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda job: job[0].post("/upload", form={"csrf": codes[id(job[0])]},
                                                     file=(job[1].name, job[1].read_bytes())),
                             [(office, xc), (other, sx)]))
    (s1, p1, _), (s2, p2, _) = done
    assert s1 == 200 and "有 1 个错误" in p1 and "xc-bad.xlsx" in p1
    assert s2 == 200 and "校验通过" in p2 and "sx-ok.xlsx" in p2
    states = {r["region"]: r["state"] for r in env.json("status", code=0)["regions"]}
    assert states == {"XC": "errors", "SX": "received"}


@pytest.mark.one_store
def test_several_workers_on_postgresql_answer_any_session(tmp_path, pg_server):
    """`serve --workers 3` on PostgreSQL: a session made by whichever worker took the sign-in is answered by every
    worker (the requests below land on all of them), and a revocation ends it for all."""
    env = pg_env(tmp_path, pg_server, "workers")
    env.json("round", "open", "R1", "--due", "2030-12-31", "--region", "XC", code=0)
    key = env.json("account", "add", "xuchang", "--role", "office", "--region", "XC", code=0)["key"]
    portal = Portal(env, "--workers", "3")
    try:
        office = Browser(portal)
        office.sign_in(key)
        answers = [office.get("/")[0] for _ in range(30)]  # new connections: the kernel spreads them over workers
        assert answers == [200] * 30
        assert env.run("account", "revoke", "xuchang").exit_code == 0
        assert [office.get("/")[0] for _ in range(30)] == [303] * 30
    finally:
        code, err = portal.stop()
    assert code == 0, err


@pytest.mark.one_store
@pytest.mark.parametrize("stop", ["SIGTERM", "SIGKILL"])
def test_a_server_stopped_during_a_merge_leaves_it_whole(env, campaign, stop):  # noqa: F811
    """SIGTERM while a return is being merged: the merge in flight finishes and is answered, then the server exits
    0. SIGKILL: the merge is in the store whole or not at all; nothing committed is lost."""
    files, keys = campaign
    xc = files["XC"]
    for n, record in enumerate(("XC-C01", "XC-C02", "XC-C03", "XC-C04", "XC-C05")):
        xc = edit(xc, "inventory", "XC", record, "企业数（家）", 500 + n, out=env.root / "xc.xlsx")
    planned = env.json("merge", "--dry-run", str(xc), code=0)["files"][0]["changes"]
    assert len(planned) == 5
    before = env.json("log", "--limit", "1", code=0)["entries"][0]["revision"]
    portal = Portal(env)
    answers: list = []

    def send() -> None:
        try:
            answers.append(portal.call("POST", "/api/merge", keys["xuchang"], file=xc))
        except OSError as exc:  # the connection cut (a kill, or a stop before it was taken)
            answers.append(exc)

    with ThreadPoolExecutor(1) as pool:
        sent = pool.submit(send)
        time.sleep(0.3)  # the request is in: its merge runs in the worker pool
        portal.proc.send_signal(getattr(signal, stop))
        sent.result(timeout=120)
        code = portal.proc.wait(timeout=60)
    entries = [e for e in env.json("log", code=0)["entries"] if e["revision"] > before]
    assert len(entries) in (0, 5), entries  # whole, or not at all
    if stop == "SIGTERM":
        assert code == 0
        status, answer, _ = answers[0]
        assert status == 200 and answer["files"][0]["applied"] is True and len(entries) == 5
    else:
        assert code == -signal.SIGKILL
        if not isinstance(answers[0], OSError):  # answered before the kill: then it is in the store
            assert answers[0][1]["files"][0]["applied"] is True and len(entries) == 5
    # whatever happened, the store opens and the return can be merged (again) to the same end
    env.run("merge", str(xc))
    assert len([e for e in env.json("log", code=0)["entries"] if e["revision"] > before]) == 5


def test_what_a_hostile_reading_of_the_pages_found(env, served):
    """Each of these was a way to get a 500, mislead an office or sidestep a rule, found by a hostile reading."""
    portal, files, keys = served
    office, coordinator = Browser(portal), Browser(portal)
    office.sign_in(keys["xuchang"])
    coordinator.sign_in(keys["province"])
    # numbers the store cannot hold are no upload (404), not an overflow (500)
    assert office.get("/uploads/99999999999999999999")[0] == 404
    assert office.get("/uploads/99999999999999999999/file")[0] == 404
    code = coordinator.check_code()
    for weird in ("99999999999999999999", "²"):
        status, page, _ = coordinator.post("/regions/XC/comments", form={"csrf": code, "text": "x", "upload": weird})
        assert status == 404 and "Traceback" not in page
    # another site cannot sign a browser in as someone else (login CSRF)
    stranger = Browser(portal)
    status, _p, headers = stranger.post("/signin", form={"key": keys["shaoxing"]},
                                        headers={"Origin": "http://evil.example"})
    assert status == 403 and "set-cookie" not in headers
    # a file's name keeps no direction marks; the annotated copy names the file as sent, in its own language
    bad = edit(files["XC"], "inventory", "XC", "XC-C02", "企业数（家）", "很多", out=env.root / "bad.xlsx")
    status, page, headers = office.post("/upload?lang=en", form={"csrf": office.check_code()},
                                        file=("bad\u202egnp.xlsx", bad.read_bytes()))
    seq = int(headers["x-result-location"].rsplit("/", 1)[1])
    assert status == 200 and "\u202e" not in page and "badgnp.xlsx" in page
    assert f'href="/uploads/{seq}?lang=zh"' in page  # the language link leads to a page, not to the form's POST
    _s, marked, headers = office.get(f"/uploads/{seq}/annotated?lang=zh")
    assert "badgnp-checked.xlsx" in urllib.parse.unquote(headers["content-disposition"])
    first = openpyxl.load_workbook(BytesIO(marked)).worksheets[0]
    assert first.title == "Validation" and "badgnp.xlsx" in first["A1"].value and "upload.xlsx" not in first["A1"].value
    office.get("/?lang=zh")
    # a coordinator cannot lock itself out from the page
    status, page, _ = coordinator.post("/accounts/province/revoke", form={"csrf": code})
    assert status == 400 and "province" in page
    assert {a["name"]: a for a in env.json("account", "list", code=0)["accounts"]}["province"]["active"] is True
    # X-Forwarded-For is not believed from a client talking to `serve` directly: the throttle holds
    guesses = [Browser(portal).post("/signin", form={"key": "nope"}, headers={"X-Forwarded-For": f"10.0.0.{i}"})[0]
               for i in range(11)]
    assert guesses[-1] == 429, guesses


def test_a_return_to_a_closed_round_cannot_be_submitted_and_uploads_have_a_quota(env, served):
    portal, files, keys = served
    office = Browser(portal)
    office.sign_in(keys["xuchang"])
    assert env.run("round", "close", "R1").exit_code == 0
    status, page, _ = office.post("/upload", form={"csrf": office.check_code()},
                                  file=("xc.xlsx", files["XC"].read_bytes()))
    assert status == 200 and "已关闭" in page and "/submit" not in page
    # thirty uploads an hour an account; the next is refused, and nothing of it kept
    code = office.check_code()
    for _ in range(29):
        assert office.post("/upload", form={"csrf": code}, file=("xc.xlsx", files["XC"].read_bytes()))[0] == 200
    status, page, headers = office.post("/upload", form={"csrf": code}, file=("xc.xlsx", files["XC"].read_bytes()))
    assert status == 429 and "30" in page and headers["retry-after"] == "3600"
