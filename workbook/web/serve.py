"""`cluster-wb serve`: the portal under uvicorn, until SIGINT or SIGTERM.

The socket is bound here, before uvicorn starts, so that a port in use is one line and exit 2, not uvicorn's log;
`serving http://HOST:PORT` is printed once the application has started and the socket takes connections (a script
waits for that line). A signal stops taking connections, lets the requests under way finish (a merge commits or
rolls back whole) and the worker pool end, then `serve` returns: exit 0."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator

import uvicorn

from workbook.core.errors import UsageError
from workbook.web.settings import ENV, Settings


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, url: str, announce: bool = True):
        super().__init__(config)
        self.url, self.announce = url, announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.announce:
            print(f"serving {self.url}", flush=True)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """uvicorn's, less its raising the signal again once stopped: a stop asked for is a clean exit (0)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        before = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in before.items():
                signal.signal(sig, handler)


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or one line saying why not (exit 2)."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart does not wait for TIME_WAIT
        try:
            sock.bind(address)
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
    except OSError as exc:
        if getattr(exc, "errno", None) == errno.EADDRINUSE:
            raise UsageError("serve_port_in_use", host=host, port=port) from None
        raise UsageError("serve_bind", host=host, port=port, why=exc.strerror or str(exc)) from None
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve until SIGINT or SIGTERM. One process on SQLite (one writer at a time: see the message); on
    PostgreSQL, `workers` processes share the socket, each with its own engine and worker pool."""
    from workbook.store.connection import resolve_url
    if workers > 1 and resolve_url(settings.store)[1] is not None:
        raise UsageError("serve_workers_sqlite", workers=workers)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if workers <= 1:
        from workbook.web.app import create_app
        app = create_app(settings)  # a bad store: one line and exit 2, before listening
        sock = _bind(host, port)
        url = _url(host, sock)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                timeout_graceful_shutdown=None, forwarded_allow_ips=_trusted_proxies())
        _Server(config, url).run(sockets=[sock])
        return
    from uvicorn.supervisors import Multiprocess

    from workbook.store import open_store
    open_store(settings.store).engine.dispose()  # a bad store: one line and exit 2, before listening
    os.environ[ENV] = settings.to_env()
    sock = _bind(host, port)
    config = uvicorn.Config("workbook.web.app:app_from_env", factory=True, workers=workers, log_level="warning",
                            access_log=False, lifespan="on", forwarded_allow_ips=_trusted_proxies())
    try:  # a newer uvicorn makes each worker's server itself; an older one takes it as `target`
        supervisor = Multiprocess(config, sockets=[sock])
    except TypeError:
        supervisor = Multiprocess(config, target=_Server(config, "", announce=False).run, sockets=[sock])
    print(f"serving {_url(host, sock)}", flush=True)  # the socket listens: connections wait for the first worker
    supervisor.run()


def _trusted_proxies() -> str:
    """Whose X-Forwarded-For and X-Forwarded-Proto to believe: none unless FORWARDED_ALLOW_IPS names the proxy
    (uvicorn's variable; the README's deployment sets it to 127.0.0.1). uvicorn's own default trusts 127.0.0.1,
    which would let anyone on the server's host pose as any client (and dodge or turn the sign-in throttle)."""
    return os.environ.get("FORWARDED_ALLOW_IPS", "")


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"
