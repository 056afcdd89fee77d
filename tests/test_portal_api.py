"""The portal's API (issue 22): the real `cluster-wb serve` in a subprocess on 127.0.0.1, driven over HTTP with
the standard library, on SQLite and on PostgreSQL. Every route answers by the account's scope (a coordinator:
every region; an office: its own), the same JSON as the commands, and refuses in one JSON shape."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from .conftest import edit

pytestmark = pytest.mark.both_stores

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Portal:
    """`cluster-wb serve` as an administrator starts it, and a client of it."""

    def __init__(self, env, *args: str):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbook.cli", "--store", env.store, "serve", "--port", str(self.port), *args],
            cwd=env.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ""
        assert line == f"serving http://127.0.0.1:{self.port}\n", (line, self.proc.poll())

    def call(self, method: str, path: str, key: str | None = None, *, file: Path | None = None,
             body: bytes | None = None) -> tuple[int, dict | bytes, dict]:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        if file is not None:
            boundary = uuid.uuid4().hex
            body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file.name}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n").encode() + file.read_bytes() + \
                f"\r\n--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            kind = answer.getheader("content-type", "")
            return answer.status, (json.loads(data) if kind.startswith("application/json") else data), dict(
                answer.getheaders())
        finally:
            conn.close()

    def stop(self) -> tuple[int, str]:
        """SIGTERM, as systemd stops a service: a clean exit, 0."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        return code, self.proc.stderr.read()


@pytest.fixture
def campaign(env):
    """A round of two regions, a coordinator, an office each for XC and SX, and an office's key revoked."""
    opened = env.json("round", "open", "R1", "--due", "2030-12-31", "--region", "XC", "--region", "SX", code=0)
    files = {w["region"]: env.root / w["path"] for w in opened["workbooks"]}
    keys = {name: env.json("account", "add", name, *args, code=0)["key"] for name, args in [
        ("province", ("--role", "coordinator")), ("xuchang", ("--role", "office", "--region", "XC")),
        ("shaoxing", ("--role", "office", "--region", "SX")), ("gone", ("--role", "office", "--region", "XC"))]}
    assert env.run("account", "revoke", "gone").exit_code == 0
    return files, keys


WHO = ["province", "xuchang", "shaoxing", None, "gone"]  # coordinator, office XC, office SX, no key, revoked key


def test_every_route_answers_by_the_accounts_scope(env, campaign):
    files, keys = campaign
    portal = Portal(env)
    try:
        routes = {  # route -> expected status for each of WHO
            ("GET", "/api/status"): [200, 200, 200, 401, 401],
            ("GET", "/api/status?round=R1"): [200, 200, 200, 401, 401],
            ("POST", "/api/validate"): [200, 200, 403, 401, 401],  # XC's return
            ("POST", "/api/merge"): [200, 200, 403, 401, 401],
            ("GET", "/api/workbook?region=XC"): [200, 200, 403, 401, 401],
            ("GET", "/api/workbook?region=SX&round=R1"): [200, 403, 200, 401, 401],
            ("GET", "/api/report"): [200, 403, 403, 401, 401],
            ("GET", "/api/report?format=xlsx"): [200, 403, 403, 401, 401],
        }
        for (method, path), expected in routes.items():
            got = []
            for who in WHO:
                status, answer, headers = portal.call(method, path, keys.get(who) if who else None,
                                                      file=files["XC"] if method == "POST" else None)
                got.append(status)
                if status != 200:
                    assert set(answer) == {"error", "message"} and answer["message"], (path, who, answer)
                    assert "Traceback" not in answer["message"]
                if status == 401:
                    assert headers.get("www-authenticate") == "Bearer"
                    assert answer["error"] == ("api_no_key" if who is None else "api_bad_key")
                elif status == 200 and "workbook?" in path:  # the very file issued, byte for byte
                    region = "XC" if "XC" in path else "SX"
                    assert hashlib.sha256(answer).digest() == hashlib.sha256(files[region].read_bytes()).digest()
                elif status == 200 and "xlsx" in path:
                    assert answer[:2] == b"PK"
            assert got == expected, (method, path, got)

        # the same answers as the commands: the coordinator's status is `status --format json`; an office's is
        # limited to its regions, its summary counting them only
        _, mine, _ = portal.call("GET", "/api/status", keys["province"])
        assert mine == env.json("status", code=0)
        _, office, _ = portal.call("GET", "/api/status", keys["xuchang"])
        assert [r["region"] for r in office["regions"]] == ["XC"] and office["round"]["regions"] == ["XC"]
        assert office["regions"][0] == mine["regions"][0] and office["summary"]["issued"] == 1
        _, report, _ = portal.call("GET", "/api/report", keys["province"])
        cli_report = env.json("report", code=0)
        assert report.keys() == cli_report.keys() and report["regions"] == cli_report["regions"]
        # no such address or round: 404 in the one shape, in the language asked for
        status, answer, _ = portal.call("GET", "/api/nothing?lang=en", keys["province"])
        assert status == 404 and answer["error"] == "api_no_route"
        status, answer, _ = portal.call("GET", "/api/status?round=R9&lang=en", keys["province"])
        assert status == 404 and answer["error"] == "usage_round_unknown" and "R9" in answer["message"]
        status, answer, _ = portal.call("GET", "/api/status?round=R9", keys["province"])
        assert "没有名为" in answer["message"]  # zh by default
        # a workbook no longer on disk is not rebuilt: 404, saying so
        files["SX"].rename(files["SX"].with_suffix(".moved"))
        status, answer, _ = portal.call("GET", "/api/workbook?region=SX&lang=en", keys["shaoxing"])
        assert status == 404 and answer["error"] == "round_workbook_gone" and "not rebuilt" in answer["message"]
    finally:
        code, err = portal.stop()
    assert code == 0, err
    assert "Traceback" not in err


def test_an_office_returns_its_own_workbook_and_not_anothers(env, campaign):
    files, keys = campaign
    xc = edit(files["XC"], "inventory", "XC", "XC-C02", "企业数（家）", "很多", out=env.root / "xc-bad.xlsx")
    portal = Portal(env)
    try:
        # a return with errors: 200, ok false, the issues `validate --format json` gives for the same file
        status, answer, _ = portal.call("POST", "/api/validate", keys["xuchang"], file=xc)
        assert status == 200 and answer["ok"] is False and answer["files"][0]["path"] == "xc-bad.xlsx"
        cli = env.json("validate", str(xc), code=1)
        assert answer["files"][0]["issues"] == cli["files"][0]["issues"] and answer["files"][0]["errors"] >= 1
        # a clean one, merged under the account's name
        good = edit(files["XC"], "inventory", "XC", "XC-C02", "企业数（家）", 120, out=env.root / "xc.xlsx")
        status, answer, _ = portal.call("POST", "/api/validate?lang=en", keys["xuchang"], file=good)
        assert status == 200 and answer["ok"] is True and answer["files"][0]["issues"] == []
        status, answer, _ = portal.call("POST", "/api/merge", keys["xuchang"], file=good)
        assert status == 200 and answer["ok"] is True and answer["files"][0]["applied"] is True
        revision = answer["files"][0]["revision"]
        entries = [e for e in env.json("log", code=0)["entries"] if e["revision"] == revision]
        assert entries and {e["by"] for e in entries} == {"xuchang"} and {e["source"] for e in entries} == {"xc.xlsx"}
        tracker = {r["region"]: r for r in env.json("status", code=0)["regions"]}
        assert tracker["XC"]["state"] == "merged"

        # another region's workbook: 403, and nothing validated, merged or recorded for it
        before = env.json("status", code=0)
        revision_before = env.json("log", "--limit", "1", code=0)["entries"][0]["revision"]
        sx = edit(files["SX"], "inventory", "SX", "SX-C02", "企业数（家）", 7, out=env.root / "sx.xlsx")
        for route in ("/api/validate?lang=en", "/api/merge?lang=en"):
            status, answer, _ = portal.call("POST", route, keys["xuchang"], file=sx)
            assert status == 403 and answer["error"] == "forbidden_workbook", answer
            assert "sx.xlsx" in answer["message"] and "SX" in answer["message"]
        assert env.json("status", code=0) == before
        assert env.json("log", "--limit", "1", code=0)["entries"][0]["revision"] == revision_before

        # not a workbook cluster-wb issued: 400, with the command's refusal
        text = env.root / "notes.xlsx"
        text.write_text("not a workbook")
        status, answer, _ = portal.call("POST", "/api/validate?lang=en", keys["xuchang"], file=text)
        cli = env.run("validate", str(text), lang="en")
        assert status == 400 and cli.exit_code == 2
        assert answer["message"] in cli.stderr.replace(str(text), "notes.xlsx")
        status, answer, _ = portal.call("POST", "/api/merge", keys["xuchang"], body=b"x")  # no multipart at all
        assert status == 400 and set(answer) == {"error", "message"}
    finally:
        code, err = portal.stop()
    assert code == 0, err


def test_an_upload_over_the_limit_is_refused_while_it_streams_in(env, campaign):
    _files, keys = campaign
    portal = Portal(env, "--max-upload-mb", "1")
    try:
        # declared too large: refused before a byte of the body is read
        conn = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=30)
        conn.putrequest("POST", "/api/validate?lang=en")
        conn.putheader("Authorization", f"Bearer {keys['xuchang']}")
        conn.putheader("Content-Type", "multipart/form-data; boundary=b")
        conn.putheader("Content-Length", str(3 << 20))
        conn.endheaders()
        answer = conn.getresponse()
        assert answer.status == 413 and json.loads(answer.read())["error"] == "api_too_large"
        conn.close()
        # no length said (chunked): 3 MB streamed in 64 KB chunks; the answer comes while it is being sent
        sock = socket.create_connection(("127.0.0.1", portal.port), timeout=30)
        sock.sendall((f"POST /api/merge HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {keys['xuchang']}\r\n"
                      "Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
        head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n\r\n'
        chunk = b"%x\r\n%s\r\n" % (len(head), head)
        sent = 0
        answer = b""
        deadline = time.monotonic() + 60
        while sent < (3 << 20) and time.monotonic() < deadline:
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
            chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
            if select.select([sock], [], [], 0.02)[0]:  # a client on a slow line: the answer, if it came
                break
        sock.settimeout(10)
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            more = sock.recv(65536)
            if not more:
                break
            answer += more
        sock.close()
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"] == "api_too_large"
        assert sent < (2 << 20)  # stopped near the limit, not after the whole body arrived
        assert env.json("status", code=0)["summary"]["returned"] == 0
    finally:
        code, err = portal.stop()
    assert code == 0, err


@pytest.mark.one_store
def test_serve_refuses_a_port_in_use_and_workers_on_sqlite(env):
    env.run("account", "list")  # the store, created
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = env.run("serve", "--port", str(port), lang="en")
    assert done.exit_code == 2 and "in use" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    done = env.run("serve", "--workers", "2", lang="en")
    assert done.exit_code == 2 and "SQLite" in done.stderr and "PostgreSQL" in done.stderr
