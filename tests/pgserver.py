"""A throwaway PostgreSQL server for the tests (and the benchmark): a cluster in a temporary folder, reached on
127.0.0.1 at a free port with a password, removed when done.

initdb and postgres refuse to run as root: as root they run as the `postgres` user that Debian's package
creates (or `nobody`). Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/<version>/bin.

    python -m tests.pgserver      # start one, print its URL, stop it on Ctrl-C (for bench/bench.py)
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

INSTALL_HINT = "PostgreSQL server binaries not found: run `bash scripts/system-deps.sh` (Debian package postgresql)"


def find_bindir() -> Path | None:
    """The folder of initdb and postgres: on PATH, else Debian's newest /usr/lib/postgresql/<version>/bin."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("postgres"):
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One running cluster. `url(db)` is a SQLAlchemy-style URL with the superuser's password in it."""

    user = "cwb"

    def __init__(self, bindir: Path, *, durable: bool = False):
        self.bindir = bindir
        self.password = secrets.token_urlsafe(12)
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="cwb-pg-"))
        self.os_user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:  # initdb refuses root: run the server as an unprivileged user
            for name in ("postgres", "nobody"):
                try:
                    self.os_user = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            if self.os_user is None:
                raise RuntimeError("running as root and neither a `postgres` nor a `nobody` user exists")
            os.chown(self.dir, self.os_user.pw_uid, self.os_user.pw_gid)
        self.proc: subprocess.Popen | None = None
        self._start(durable)

    def _run_as(self) -> dict:
        if self.os_user is None:
            return {}
        return {"user": self.os_user.pw_uid, "group": self.os_user.pw_gid, "extra_groups": []}

    def _start(self, durable: bool) -> None:
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password + "\n")
        if self.os_user is not None:
            os.chown(pwfile, self.os_user.pw_uid, self.os_user.pw_gid)
        data = self.dir / "data"
        subprocess.run([str(self.bindir / "initdb"), "-D", str(data), "-U", self.user, f"--pwfile={pwfile}",
                        "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
                        "--no-sync", "--no-instructions"],
                       check=True, capture_output=True, cwd=self.dir, **self._run_as())
        pwfile.unlink()
        settings = ["-c", "listen_addresses=127.0.0.1", "-p", str(self.port), "-k", str(self.dir),
                    "-c", "max_connections=300", "-c", "shared_buffers=128MB"]
        if not durable:  # the tests kill clients, never the server: the disk need not be waited for
            settings += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        log = open(self.dir / "server.log", "wb")  # noqa: SIM115 - open for the server's life
        self.proc = subprocess.Popen([str(self.bindir / "postgres"), "-D", str(data), *settings],
                                     stdout=log, stderr=subprocess.STDOUT, cwd=self.dir, start_new_session=True,
                                     **self._run_as())
        log.close()
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("postgres did not start:\n" + (self.dir / "server.log").read_text(errors="replace"))
            try:
                with self.admin():
                    return
            except Exception:  # noqa: BLE001 - not accepting connections yet
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.1)

    def url(self, database: str = "postgres", *, password: bool = True) -> str:
        auth = f"{self.user}:{self.password}" if password else self.user
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"

    def admin(self):
        """An autocommit psycopg connection to the `postgres` database (CREATE/DROP DATABASE)."""
        import psycopg
        return psycopg.connect(host="127.0.0.1", port=self.port, user=self.user, password=self.password,
                               dbname="postgres", autocommit=True, connect_timeout=5)

    def create_database(self, name: str, template: str | None = None) -> str:
        with self.admin() as c:
            c.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.admin() as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)


def main() -> None:
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit(INSTALL_HINT)
    server = Server(bindir, durable=True)
    try:
        server.create_database("bench")
        print(server.url("bench"), flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        server.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    main()
