"""The routes under /api/, for scripts: `Authorization: Bearer KEY` on every one, JSON in the shapes the commands
print (CONTRACT.md, "The portal (HTTP)"). Each route parses, calls one service with the account's `Scope` and
answers; what an account may see or change is the services' to decide, not a route's."""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from workbook.core.errors import NotSignedIn, UsageError
from workbook.core.scope import Scope
from workbook.services import accounts, campaign
from workbook.web import jobs
from workbook.web.answers import failure, lang_of, store_of
from workbook.web.files import REPORT_FORMATS, XLSX, receive_file, report_figures, report_file

BEARER = re.compile(r"Bearer[ \t]+(\S+)\s*$", re.IGNORECASE)


async def scope_of(request: Request) -> Scope:
    """The scope of the account whose key the request carries; 401 without one, or with a wrong, replaced or
    revoked key (looked up in the store at every request: a revocation holds for every worker at once)."""
    header = request.headers.get("authorization")
    if not header:
        raise NotSignedIn("api_no_key")
    found = BEARER.match(header)
    if not found:
        raise NotSignedIn("api_bad_key")
    account = await run_in_threadpool(accounts.authenticate, store_of(request), found.group(1))
    if account is None:
        raise NotSignedIn("api_bad_key")
    return account.scope


def signed_in(endpoint: Callable[[Request, Scope], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A route that needs an account (every one under /api/): public only by not using this."""
    async def route(request: Request) -> Response:
        return await endpoint(request, await scope_of(request))
    route.__name__ = endpoint.__name__
    return route


async def status(request: Request, scope: Scope) -> Response:
    tracker = await run_in_threadpool(campaign.round_status, store_of(request), request.query_params.get("round"),
                                      scope=scope)
    return JSONResponse(tracker)


async def validate(request: Request, scope: Scope) -> Response:
    return await _upload(request, scope, "validate")


async def merge(request: Request, scope: Scope) -> Response:
    return await _upload(request, scope, "merge")


async def _upload(request: Request, scope: Scope, action: str) -> Response:
    """The uploaded file, saved under a name of our own (its own name is only shown and recorded), validated or
    merged in a worker process; `{"ok", "files": [one]}` as the command prints, or 400 with the command's refusal
    for a file that is not a workbook this store issued."""
    folder = Path(tempfile.mkdtemp(prefix="cwb-upload-"))
    try:
        path, name, _fields = await receive_file(request, folder)
        settings = request.app.state.settings
        job = jobs.validate if action == "validate" else jobs.merge
        done = await asyncio.get_running_loop().run_in_executor(
            request.app.state.pool, job, settings.store, str(path), name, scope, lang_of(request))
    finally:
        await run_in_threadpool(shutil.rmtree, folder, True)
    if done["rejected"]:
        return failure(done["rejected"], done["message"], 400)
    return JSONResponse({"ok": done["ok"], "files": [done["file"]]})


async def workbook(request: Request, scope: Scope) -> Response:
    """The region's workbook as issued in the round (default: the one opened last)."""
    region = request.query_params.get("region")
    if not region:
        raise UsageError("api_no_region")
    path = await run_in_threadpool(campaign.round_workbook, store_of(request), region,
                                   request.query_params.get("round"), scope=scope)
    return FileResponse(path, media_type=XLSX, filename=path.name)


async def report(request: Request, scope: Scope) -> Response:
    """The consolidated report (coordinators only: the service refuses any other scope): its figures as
    `report --format json` prints them, or the report workbook, or its PDF."""
    fmt = request.query_params.get("format", "json")
    if fmt not in REPORT_FORMATS:
        raise UsageError("api_bad_format", format=fmt, formats=", ".join(REPORT_FORMATS))
    if fmt != "json":
        return await report_file(request, scope, fmt)
    return JSONResponse(await report_figures(request, scope))


routes = [
    Route("/status", signed_in(status), methods=["GET"]),
    Route("/validate", signed_in(validate), methods=["POST"]),
    Route("/merge", signed_in(merge), methods=["POST"]),
    Route("/workbook", signed_in(workbook), methods=["GET"]),
    Route("/report", signed_in(report), methods=["GET"]),
]

__all__ = ["routes"]
