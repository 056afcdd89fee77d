"""Ctrl-C: raised at once, except where it would lose finished work, and a second one raised at once always.

SQLAlchemy, interrupted inside one of its calls, gives the connection up as broken and the database rolls back
whatever it held uncommitted. That is what a Ctrl-C should do to the file in flight (it was not finished), and
the only work a connection holds is that file's, except in a SQLite folder merge: there the files are committed
together about every second (`Store.batch`), so between two commits the connection also holds files reported
finished. So, in the command's own process (`take_over`, from `cli.main`):

- while the store says finished work sits uncommitted on a connection (`holding`: a SQLite batch's transaction
  is open), an interrupt that lands in the database library's code, the store's, or the machinery of `with`
  blocks (a transaction's context manager left half-exited would neither commit nor roll back) waits until that
  code has returned (looked at again every few milliseconds) and is raised in the caller's code: the file in
  flight rolls back alone and the batch commits the rest. A SQLite batch never waits for another writer (it
  holds the write lock; the lock is queued for before the batch's transaction begins, when nothing is held), so
  the wait is one query, or a commit queued behind a reader;
- everywhere else (a lock queued for, a slow server or query, PostgreSQL's per-file transactions) it is raised
  at once: psycopg cancels the statement, SQLite's waits for a lock are taken in Python (`store.connection`);
- a second Ctrl-C, the first one held back or already raised, is raised at once: a user who insists is obeyed
  (a batch's commit cut this way loses the files since the last commit; the store stays whole);
- none, first or second, is raised inside code run from source text (`exec` or `eval` of a string, as
  `dataclass` and `namedtuple` make their methods when a module imported late defines its classes): it waits
  until that code has returned (theirs only defines functions: microseconds). CPython marks a KeyboardInterrupt
  that leaves such code as unhandled for the whole process, caught or not, and `python -m` then ends killed by
  SIGINT (exit -2) instead of with the code the command chose (130, after its one line);
- nor, the first, while SQLAlchemy's pool takes a connection back (`_finalize_fairy`: a rollback): cut, the
  pool logs it with its traceback before raising it, and the line said is not the only one;
- one raised where Python cannot let it out (a finalizer, a weakref callback such as importlib's module locks
  have: Python prints it as "Exception ignored" and drops it) is caught on its way to being printed and raised
  again a moment later (`_on_unraisable`), as if held back: dropped, the command went on as if never interrupted.

The command's child processes ignore Ctrl-C (a terminal sends it to the whole process group): their parent ends
them. Once the command has caught the interrupt to say so, or is done, further ones are ignored (`done`): cut,
they would lose the one line that says what happened."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

LOOK_AGAIN = 0.01  # seconds between two looks at where a deferred interrupt may be raised


# Code an exception must not cut while finished work is held: the database library's, the store's, the machinery
# of `with` blocks and this module's (by module name: where the files lie does not matter)
_UNSAFE = ("sqlalchemy", "workbook.store", "contextlib", __name__)

_holding = False  # a connection holds finished work not yet committed (see `holding`)
_pending = False  # an interrupt is held back
_seen = False  # an interrupt was received (held back or raised): the next one is raised at once
_insisted = False  # a second one was received: held back only while code run from source text runs


def holding(held: bool) -> None:
    """The store says a connection holds finished work not yet committed (a SQLite batch's transaction is open),
    or no longer: while it does, an interrupt that lands in its code waits for that code to return."""
    global _holding
    _holding = held


def _unsafe_here(frame: FrameType | None) -> bool:
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if any(module == name or module.startswith(name + ".") for name in _UNSAFE):
            return True
        frame = frame.f_back
    return False


def _in_source_text(frame: FrameType | None) -> bool:
    """Code run by `exec` or `eval` of a string runs here: its outermost frame is a module named "<string>" with
    a caller (without one it is the program itself, `python -c`, whose end is the process's: left alone)."""
    while frame is not None:
        code = frame.f_code
        if code.co_filename == "<string>" and code.co_name == "<module>" and frame.f_back is not None:
            return True
        frame = frame.f_back
    return False


_POOL_CLOSING = ("_finalize_fairy", "_close_connection")  # sqlalchemy.pool.base taking back or closing one


def _pool_taking_back(frame: FrameType | None) -> bool:
    """Inside SQLAlchemy's pool taking a connection back or closing it: an exception there is caught and logged
    with its traceback (a Ctrl-C landing as a command ends and its connections close, say), so it waits."""
    while frame is not None:
        if frame.f_code.co_name in _POOL_CLOSING and frame.f_globals.get("__name__") == "sqlalchemy.pool.base":
            return True
        frame = frame.f_back
    return False


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGINT, or the timer of a held-back one: raise it unless finished work would be lost or it would land in
    code run from source text, else look again."""
    global _pending, _seen, _insisted
    if signum == signal.SIGALRM:
        if not _pending:
            return
    elif _seen:  # a second Ctrl-C: raised at once, wherever it lands, but in code run from source text
        _insisted = True
    _seen = True
    if _in_source_text(frame) or (not _insisted and (_pool_taking_back(frame) or _holding and _unsafe_here(frame))):
        _pending = True
        signal.setitimer(signal.ITIMER_REAL, LOOK_AGAIN)
        return
    _pending = False
    signal.setitimer(signal.ITIMER_REAL, 0)
    raise KeyboardInterrupt


def _on_unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """An exception Python drops (raised in a finalizer or a weakref callback): if it is our Ctrl-C, held back
    and raised again at the next look instead of printed; anything else goes to the hook there was before."""
    global _pending
    if isinstance(unraisable.exc_value, KeyboardInterrupt) and signal.getsignal(signal.SIGINT) is _on_interrupt:
        _pending = True
        signal.setitimer(signal.ITIMER_REAL, LOOK_AGAIN)
        return
    _previous_unraisable_hook(unraisable)


_previous_unraisable_hook = sys.unraisablehook


def take_over() -> None:
    """From now on, Ctrl-C in this process is raised as the module's docstring says (the command's own process;
    a caller such as a test runner keeps its own handler)."""
    global _previous_unraisable_hook
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGALRM, _on_interrupt)
        signal.signal(signal.SIGINT, _on_interrupt)
        if sys.unraisablehook is not _on_unraisable:
            _previous_unraisable_hook, sys.unraisablehook = sys.unraisablehook, _on_unraisable


def done() -> None:
    """The command has ended, or is saying it was interrupted: further Ctrl-C is ignored, if `take_over` ran."""
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
