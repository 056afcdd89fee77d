"""Validation and merge of an upload, run in a pool of worker processes, never in the server's event loop or its
threads: reading a workbook is CPU work, `bulk_work` turns the garbage collector off for the whole process while it
runs, and the input guard forks a checker for a large file, which a process with a server's threads must not do.
Each worker opens the store once and keeps it; a pool of one process per core checks that many uploads at once,
and merges queue for the store's writers' lock, as the command's do.

The pool's processes come from a fork server (a clean process started once, with these modules imported), not
from the server itself: a fork of a process running an event loop and a thread pool copies their locks in
whatever state they are."""

from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbook.core.scope import Scope
    from workbook.store import Store

_stores: dict[str, Store] = {}


def make_pool(size: int) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["workbook.web.jobs", "workbook.services.round_trip", "workbook.services.desk"])
    return ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=_start_worker)


def _start_worker() -> None:
    """A worker ignores Ctrl-C (a terminal sends it to the whole group): the server stops taking requests, lets
    the uploads under way finish (a merge commits or rolls back whole), then ends the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _store(location: str) -> Store:
    from workbook.store import open_store

    if location not in _stores:
        _stores[location] = open_store(location)
    return _stores[location]


def warm() -> bool:
    """Start a worker ahead of the first upload (its imports)."""
    return True


def validate(location: str, path: str, name: str, scope: Scope, lang: str) -> dict:
    """`validate --format json` of one uploaded file, as `{"file": ..., "rejected": CODE|None, "message": ...}`."""
    from workbook.services import round_trip

    [result] = round_trip.validate_files(_store(location), [path], lang, scope=scope, names={path: name})
    return _answer(result, result.validate_json())


def merge(location: str, path: str, name: str, scope: Scope, lang: str) -> dict:
    """`merge --format json` of one uploaded file, under the account's name."""
    from workbook.services import round_trip

    [result] = round_trip.merge_files(_store(location), [path], dry_run=False, scope=scope, lang=lang,
                                      names={path: name})
    return _answer(result, result.merge_json(lang))


def _answer(result, doc: dict) -> dict:
    return {"file": doc, "ok": result.ok, "rejected": result.rejected_code if result.rejected else None,
            "message": result.rejected}


def check_upload(location: str, path: str, name: str, scope: Scope, lang: str) -> dict:
    """An office's upload through the pages: validated, annotated and kept (`desk.check_upload`)."""
    from workbook.services import desk

    return desk.check_upload(_store(location), path, name, scope=scope, lang=lang)


def submit_upload(location: str, seq: int, scope: Scope, lang: str) -> dict:
    """A kept upload merged, as `merge` would (`desk.submit`)."""
    from workbook.services import desk

    return desk.submit(_store(location), seq, scope=scope, lang=lang)
