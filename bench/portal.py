"""The portal's speed (issue 22), against the real `cluster-wb serve` on 127.0.0.1, ratios measured in one run:

- one region's return (100 clusters) uploaded through the page and its verdict page answered, against
  `cluster-wb validate` of the same file in a fresh process: target ≤ 1.2 ×;
- 20 offices uploading their own returns at once, all answered with their own verdict, against the same 20 one
  after another: ≤ 0.7 ×;
- the server answering its first request after it was started: ≤ 1 s;
- the server's peak memory (the server and its worker processes together) under those 20 uploads: ≤ 500 MB.

    .venv/bin/python -m bench.bench --portal          (or: .venv/bin/python -m bench.portal [--offices 20])
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTAL_TARGETS = {"upload_vs_cli_validate": 1.2, "offices20_concurrent_vs_sequential": 0.7,
                  "first_answer_s": 1.0, "peak_rss_mb": 500.0}
CLUSTERS = 100  # a region's workbook, as the issue sets it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Office:
    """One office's browser: its session cookie and its forms' check code."""

    def __init__(self, port: int, key: str):
        self.port, self.cookie, self.code = port, "", ""
        status, headers, _ = self._call("POST", "/signin", urllib.parse.urlencode({"key": key}).encode(),
                                        {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 303, status
        self.cookie = headers["set-cookie"].split(";", 1)[0]
        _, _, page = self._call("GET", "/", None, {})
        self.code = re.search(r'name="csrf" value="([0-9a-f]+)"', page.decode()).group(1)

    def _call(self, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            conn.request(method, path, body=body, headers={**headers, **({"Cookie": self.cookie} if self.cookie
                                                                          else {})})
            answer = conn.getresponse()
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
        finally:
            conn.close()

    def form(self, path: Path) -> tuple[bytes, str]:
        """The upload form's body, as a browser sends it (made before the clock starts: the client's work)."""
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{self.code}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode() + path.read_bytes() + \
            f"\r\n--{boundary}--\r\n".encode()
        return body, f"multipart/form-data; boundary={boundary}"

    def upload(self, path: Path, form: tuple[bytes, str] | None = None) -> tuple[int, str]:
        body, kind = form or self.form(path)
        status, _headers, page = self._call("POST", "/upload", body, {"Content-Type": kind})
        return status, page.decode()


def _rss_mb(pid: int) -> float:
    """The resident memory of a process and all its descendants (the server, the fork server, the workers)."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            with open(f"/proc/{p}/task/{p}/children") as f:
                pids += [int(c) for c in f.read().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def _prepare(work: Path, offices: int, store: str | None = None) -> tuple[str, list[Path], list[str]]:
    """A store of `offices` regions × 100 clusters, a round issuing each its workbook, each returned with a few
    figures changed (as an office would), and an office account per region."""
    sys.path.insert(0, str(ROOT))
    import openpyxl

    from bench.synth import generate
    from workbook.core.scope import Scope
    from workbook.services import accounts, campaign, workbooks
    from workbook.template.schema import load_schema

    store = store or str(work / "store.sqlite")
    st = workbooks.init_with_dataset(store, generate(load_schema(), offices, CLUSTERS), source="synthetic",
                                     by="bench")
    opened = campaign.open_round(st, "bench", due="2030-12-31", period=None, region_ids=[],
                                 output=str(work / "issued"), by="bench", lang="zh")
    files, keys = [], []
    for n, issued in enumerate(opened["workbooks"]):
        book = openpyxl.load_workbook(issued["path"])
        sheet = next(ws for ws in book.worksheets if ws.title.endswith("集群清单"))
        column = next(c.column for c in sheet[1] if c.value == "企业数（家）")
        for row in range(2, 7):
            sheet.cell(row=row, column=column).value = 20000 + n * 10 + row  # over any 规上 count, in range
        out = work / f"return-{issued['region']}.xlsx"
        book.save(out)
        files.append(out)
        keys.append(accounts.add(st, f"office{n}", role="office", regions=[issued["region"]],
                                 scope=Scope.everything("bench"))[1])
    return store, files, keys


def _start(store: str, port: int) -> tuple[subprocess.Popen, float]:
    """`serve`, and the seconds from its start to its first answer (a GET of the sign-in page)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "workbook.cli", "--store", store, "serve", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/signin")
            if conn.getresponse().status == 200:
                return proc, time.perf_counter() - started
        except OSError:
            if proc.poll() is not None or time.perf_counter() - started > 60:
                raise RuntimeError(f"serve did not start: {proc.stderr.read()}") from None
            time.sleep(0.01)


def run(offices: int = 20, keep: Path | None = None, store: str | None = None) -> dict:
    """The figures; `store`: an empty PostgreSQL database's URL to serve from instead of a SQLite file."""
    work = keep or Path(tempfile.mkdtemp(prefix="cwb-bench-portal-"))
    work.mkdir(parents=True, exist_ok=True)
    store, files, keys = _prepare(work, offices, store)
    cli = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "workbook.cli", "--store", store, "validate", str(files[0])],
                       cwd=ROOT, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        cli.append(time.perf_counter() - t0)
    port = _free_port()
    proc, first = _start(store, port)
    try:
        people = [_Office(port, key) for key in keys]
        people[0].upload(files[0])  # the pool's workers start with the first upload: not what is measured
        single = []
        for _ in range(3):
            t0 = time.perf_counter()
            status, page = people[0].upload(files[0])
            single.append(time.perf_counter() - t0)
            assert status == 200 and 'id="verdict"' in page, status

        def everyone(concurrent: bool) -> float:
            jobs = [(office, path, office.form(path)) for office, path in zip(people, files, strict=True)]
            if concurrent:
                with ThreadPoolExecutor(len(jobs)) as pool:
                    t0 = time.perf_counter()
                    answers = list(pool.map(lambda job: job[0].upload(job[1], job[2]), jobs))
                    took = time.perf_counter() - t0
            else:
                t0 = time.perf_counter()
                answers = [office.upload(path, form) for office, path, form in jobs]
                took = time.perf_counter() - t0
            for (status, page), path in zip(answers, files, strict=True):  # each its own verdict, of its own file
                assert status == 200 and path.name in page and "校验通过" in page, (status, path.name)
            return took

        sequential = everyone(False)
        peak = [0.0]
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.is_set():
                peak[0] = max(peak[0], _rss_mb(proc.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            concurrent = everyone(True)
        finally:
            sampling.set()
            sampler.join()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    figures = {"offices": offices, "cli_validate_s": min(cli), "upload_s": min(single),
               "sequential_s": sequential, "concurrent_s": concurrent, "first_answer_s": first,
               "peak_rss_mb": peak[0], "cores": os.cpu_count()}
    figures["ratios"] = {"upload_vs_cli_validate": figures["upload_s"] / figures["cli_validate_s"],
                         "offices20_concurrent_vs_sequential": concurrent / sequential,
                         "first_answer_s": first, "peak_rss_mb": peak[0]}
    return figures


def print_figures(figures: dict) -> None:
    print(f"portal, {figures['offices']} offices × {CLUSTERS} clusters, {figures['cores']} cores:")
    print(f"  validate (fresh process) {figures['cli_validate_s']:.2f} s; upload + verdict page "
          f"{figures['upload_s']:.2f} s; 20 one after another {figures['sequential_s']:.2f} s, at once "
          f"{figures['concurrent_s']:.2f} s")
    for name, value in figures["ratios"].items():
        target = PORTAL_TARGETS[name]
        unit = " s" if name.endswith("_s") else " MB" if name.endswith("_mb") else " ×"
        print(f"  {name:40s} {value:8.2f}{unit}  target ≤ {target}{unit}  {'ok' if value <= target else 'MISSED'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offices", type=int, default=20)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--store", help="an empty postgresql:// database to serve from (default: a SQLite file)")
    args = parser.parse_args()
    figures = run(args.offices, args.keep, args.store)
    print_figures(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
