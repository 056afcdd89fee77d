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

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from workbook.core.errors import NotSignedIn, TooLarge, UsageError
from workbook.core.scope import Scope
from workbook.services import accounts, campaign
from workbook.web import jobs
from workbook.web.answers import failure, lang_of, store_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
        path, name = await _receive_file(request, folder)
        settings = request.app.state.settings
        job = jobs.validate if action == "validate" else jobs.merge
        done = await asyncio.get_running_loop().run_in_executor(
            request.app.state.pool, job, settings.store, str(path), name, scope, lang_of(request))
    finally:
        await run_in_threadpool(shutil.rmtree, folder, True)
    if done["rejected"]:
        return failure(done["rejected"], done["message"], 400)
    return JSONResponse({"ok": done["ok"], "files": [done["file"]]})


async def _receive_file(request: Request, folder: Path) -> tuple[Path, str]:
    """The multipart field `file`, written to `folder/upload.xlsx`; returns that path and the name the client
    gave the file. A body over the limit is refused as it streams in: by its declared length before a byte is
    read, else at the chunk that crosses the limit (uvicorn reads no further ahead than a small buffer)."""
    settings = request.app.state.settings
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge("api_too_large", limit=settings.max_upload_mb)
    seen = 0
    receive = request.receive

    async def counted() -> dict:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge("api_too_large", limit=settings.max_upload_mb)
        return message

    form = await Request(request.scope, counted).form(max_files=1, max_fields=16)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise UsageError("api_no_file")
        path = folder / "upload.xlsx"
        await run_in_threadpool(_save, upload, path)
        return path, _shown_name(upload.filename)
    finally:
        await form.close()


def _save(upload: UploadFile, path: Path) -> None:
    upload.file.seek(0)
    with open(path, "wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)


def _shown_name(given: str | None) -> str:
    """The name the client gave its file, to show and record, never to use as a path: its last part only, without
    control characters (a name is text in a message, a JSON string and an attempt's row)."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", (given or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return name[:255] or "upload.xlsx"


async def workbook(request: Request, scope: Scope) -> Response:
    """The region's workbook as issued in the round (default: the one opened last)."""
    region = request.query_params.get("region")
    if not region:
        raise UsageError("api_no_region")
    path = await run_in_threadpool(campaign.round_workbook, store_of(request), region,
                                   request.query_params.get("round"), scope=scope)
    return FileResponse(path, media_type=XLSX, filename=path.name)


REPORT_FORMATS = ("json", "xlsx", "pdf")


async def report(request: Request, scope: Scope) -> Response:
    """The consolidated report (coordinators only: the service refuses any other scope): its figures as
    `report --format json` prints them, or the report workbook, or its PDF."""
    fmt = request.query_params.get("format", "json")
    if fmt not in REPORT_FORMATS:
        raise UsageError("api_bad_format", format=fmt, formats=", ".join(REPORT_FORMATS))
    st = store_of(request)
    fig = await run_in_threadpool(lambda: campaign.report_figures(st, round_name=None, since_name=None,
                                                                  region_ids=[], scope=scope))
    if fmt == "json":
        return JSONResponse(fig)
    folder = Path(tempfile.mkdtemp(prefix="cwb-report-"))
    try:
        written = await run_in_threadpool(campaign.write_report, st, fig, str(folder / "report.xlsx"),
                                          lang_of(request), fmt == "pdf")
    except BaseException:
        shutil.rmtree(folder, True)
        raise
    path = Path(written[-1])
    media = XLSX if fmt == "xlsx" else "application/pdf"
    return FileResponse(path, media_type=media, filename=f"report{path.suffix}",
                        background=BackgroundTask(shutil.rmtree, folder, True))


routes = [
    Route("/status", signed_in(status), methods=["GET"]),
    Route("/validate", signed_in(validate), methods=["POST"]),
    Route("/merge", signed_in(merge), methods=["POST"]),
    Route("/workbook", signed_in(workbook), methods=["GET"]),
    Route("/report", signed_in(report), methods=["GET"]),
]

__all__ = ["routes"]
