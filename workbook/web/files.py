"""Files in and out of the portal, for the API and the pages alike: an upload received within the limit as it
streams in and saved under a name of our own, and the consolidated report written for a download."""

from __future__ import annotations

import shutil
import tempfile
import unicodedata
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse

from workbook.core.errors import TooLarge, UsageError
from workbook.core.scope import Scope
from workbook.services import campaign
from workbook.web.answers import lang_of, store_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_FORMATS = ("json", "xlsx", "pdf")


async def receive_file(request: Request, folder: Path) -> tuple[Path, str, dict[str, str]]:
    """The multipart field `file`, written to `folder/upload.xlsx`; returns that path, the name the client gave
    the file, and the form's other (text) fields. A body over the limit is refused as it streams in: by its
    declared length before a byte is read, else at the chunk that crosses the limit (uvicorn reads no further
    ahead than a small buffer)."""
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
        if not isinstance(upload, UploadFile) or (not upload.filename and not upload.size):
            raise UsageError("api_no_file")
        path = folder / "upload.xlsx"
        await run_in_threadpool(_save, upload, path)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        return path, shown_name(upload.filename), fields
    finally:
        await form.close()


def _save(upload: UploadFile, path: Path) -> None:
    upload.file.seek(0)
    with open(path, "wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)


def shown_name(given: str | None) -> str:
    """The name the client gave its file, to show and record, never to use as a path: its last part only, without
    control characters (a name is text in a message, a JSON string and an attempt's row)."""
    last = (given or "").replace("\\", "/").rsplit("/", 1)[-1]
    # control and format characters out (C0, DEL, C1; U+202E and the other direction marks, which make
    # "abc\u202egnp.xlsx" read as a .png): a name shows what it is
    name = "".join(ch for ch in last if unicodedata.category(ch) not in ("Cc", "Cf")).strip()
    return name[:255] or "upload.xlsx"


async def report_figures(request: Request, scope: Scope) -> dict:
    """The consolidated report's figures, as `report --format json` gives them, for a coordinator (the service
    refuses any other scope)."""
    st = store_of(request)
    return await run_in_threadpool(lambda: campaign.report_figures(st, round_name=None, since_name=None,
                                                                   region_ids=[], scope=scope))


async def report_file(request: Request, scope: Scope, fmt: str) -> FileResponse:
    """The consolidated report as a workbook (`xlsx`) or its PDF, written to a folder of its own that goes once
    the answer is sent."""
    st = store_of(request)
    fig = await report_figures(request, scope)
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
