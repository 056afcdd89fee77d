"""Ctrl-C, taken where it can do no harm.

SQLAlchemy, interrupted inside one of its calls, gives the connection up as broken: on SQLite that rolls back a
folder merge's whole batch, files reported finished included, and the next statement fails with
PendingRollbackError. So in the command's own process (`take_over`, from `cli.main`) an interrupt that lands
while the store's code runs (a query, a commit, a transaction beginning or ending, or the entry or exit of any
`with` block) waits until it has returned, looked at again every few milliseconds, and is raised in the
caller's code: the transaction around it then rolls back only the file in flight. The command's child
processes ignore Ctrl-C (a terminal sends it to the whole process group): their parent ends them. Once the
first interrupt is raised, or the command is done, further ones are ignored: the rollback and the exit are
short, and cut midway they would lose the one line that says what happened."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

LOOK_AGAIN = 0.01  # seconds between two looks at where a deferred interrupt may be raised


def _library(name: str) -> tuple[str, ...]:
    """The folder of an installed package (without importing it: `--help` must start fast)."""
    spec = importlib.util.find_spec(name)
    return (str(Path(spec.origin).parent) + os.sep,) if spec and spec.origin else ()


# Code an exception must not cut midway: the store's and the database library's under it, and the machinery of
# `with` blocks (a transaction's context manager left half-exited would neither commit nor roll back)
_UNSAFE = (str(Path(__file__).parent.parent / "store") + os.sep, __file__, contextlib.__file__, *_library("sqlalchemy"))


_pending = False


def _unsafe_here(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith(_UNSAFE):
            return True
        frame = frame.f_back
    return False


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGINT, or the timer of a deferred one: raise it if the code interrupted may be cut, else look again."""
    global _pending
    if signum == signal.SIGALRM and not _pending:
        return
    if _unsafe_here(frame):
        _pending = True
        signal.setitimer(signal.ITIMER_REAL, LOOK_AGAIN)
        return
    _pending = False
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the first is enough: the way out must not be cut short
    raise KeyboardInterrupt


def take_over() -> None:
    """From now on, Ctrl-C in this process is raised outside the store's code only, and once (the command's own
    process; a caller such as a test runner keeps its own handler)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGALRM, _on_interrupt)
        signal.signal(signal.SIGINT, _on_interrupt)


def done() -> None:
    """The command has ended (or is ending on an interrupt): further Ctrl-C is ignored, if `take_over` ran."""
    global _pending
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is _on_interrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.setitimer(signal.ITIMER_REAL, 0)
        _pending = False


@contextmanager
def held_for_fork() -> Iterator[None]:
    """Around starting a child process: Ctrl-C is held back (blocked) until the child has begun to ignore it
    (`as_child_of`); the parent receives it just after."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def as_child_of(parent: int) -> None:
    """First thing in a child process started under `held_for_fork`: ignore Ctrl-C (the parent, which gets it
    too, ends the child), and end when the parent does, even killed (SIGKILL): a worker must not wait for work
    for ever. Linux says so at once (PR_SET_PDEATHSIG); elsewhere a watch notices within a second."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the death signal was armed
        os._exit(0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
