"""The pages people use (issue 22): sign in with a key, the round's regions, a region's returns and comments, an
upload's verdict with every issue at its cell, its submission, the report and the accounts. Server-rendered HTML
that works with JavaScript off; Chinese first, English on request (`?lang=en`, then remembered in a cookie).

Each route parses, calls one service with the account's `Scope` (`services.desk`, `services.accounts`,
`services.campaign`) and renders a page from what it returns; who may see or change what is the services' rule.
Every POST but the sign-in needs the session's check code (`sessions.ensure_form_token`)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from workbook.core.errors import NotSignedIn, Throttled, Unknown, UsageError
from workbook.core.messages import PAGE_WORDS, SEVERITY_WORDS, STATE_WORDS, t
from workbook.services import accounts, campaign, desk
from workbook.services.accounts import Account
from workbook.web import jobs
from workbook.web.answers import LANG_COOKIE, LANGS, lang_of, store_of
from workbook.web.files import XLSX, receive_file, report_file
from workbook.web.sessions import (
    TOKEN_FIELD,
    check_code,
    clear_session_cookie,
    ensure_form_token,
    ensure_same_origin,
    session_of,
    set_session_cookie,
    signed_in,
)

HERE = Path(__file__).parent
MAX_FORM_FIELDS = 32

templates = Jinja2Templates(directory=str(HERE / "html"))


def _when(iso: str | None) -> str:
    """A stored time (ISO 8601, the server's zone) as people read it: 2026-12-07 11:45."""
    return (iso or "")[:16].replace("T", " ")


def _server_zone() -> str:
    offset = datetime.now().astimezone().strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


templates.env.filters["when"] = _when


def _words(lang: str) -> Any:
    def word(key: str, **values: Any) -> str:
        text = PAGE_WORDS[key][lang]
        return text.format(**values) if values else text
    return word


def _other_lang_url(request: Request, other: str, here: str | None) -> str:
    """This page in the other language: its address with its other parameters kept; after a POST, the page the
    answer stands for (`here`: an upload's own page), else the first page (a form's address takes no GET)."""
    if request.method != "GET":
        return f"{here or '/'}?lang={other}"
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", other)]
    return f"{request.url.path}?{urlencode(params)}"


def render(request: Request, name: str, context: dict[str, Any], *, session: tuple[Account, str] | None = None,
           status: int = 200, headers: dict[str, str] | None = None, here: str | None = None) -> Response:
    """A page in the request's language, with the words, the signed-in account and its forms' check code.
    `here`: the address of what a POST's answer shows (for its language link)."""
    lang = lang_of(request)
    account, token = session if session else (None, None)
    other = "en" if lang == "zh" else "zh"
    page = {"request": request, "lang": lang, "w": _words(lang), "t": lambda code, **v: t(code, lang, **v),
            "account": account, "csrf": check_code(token) if token else "", "token_field": TOKEN_FIELD,
            "states": STATE_WORDS[lang], "severities": SEVERITY_WORDS[lang], "other_lang": other,
            "server_zone": _server_zone(),
            "other_lang_url": _other_lang_url(request, other, here), **context}
    response = templates.TemplateResponse(request, name, page, status_code=status, headers=headers)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/", httponly=True, samesite="lax")
    return response


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


async def _form(request: Request, token: str) -> dict[str, str]:
    """A small form's text fields, once its check code is right (403 otherwise)."""
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    ensure_form_token(request, token, fields.get(TOKEN_FIELD))
    fields["_regions"] = ",".join(v for k, v in form.multi_items() if k == "region" and isinstance(v, str))
    return fields


# --- signing in and out ------------------------------------------------------------------------------------------

async def signin_page(request: Request) -> Response:
    if await session_of(request):
        return _back("/")
    return render(request, "signin.html", {"error": None})


async def signin(request: Request) -> Response:
    """The form's `key` → a session (303 to the first page, the cookie set); a wrong key 401, throttled 429."""
    ensure_same_origin(request)  # another site's page must not sign this browser in as someone else
    form = await request.form(max_files=0, max_fields=8)
    key = form.get("key")
    client = request.client.host if request.client else "unknown"
    try:
        account, token = await run_in_threadpool(accounts.sign_in, store_of(request),
                                                 key.strip() if isinstance(key, str) else "", client)
    except (NotSignedIn, Throttled) as exc:
        headers = ({"Retry-After": str(exc.params["retry_after"])} if "retry_after" in exc.params else None)
        return render(request, "signin.html", {"error": exc.message(lang_of(request))}, status=exc.http_status,
                      headers=headers)
    response = _back("/")
    set_session_cookie(request, response, token)
    return response


async def signout(request: Request) -> Response:
    account, token = await signed_in(request)
    await _form(request, token)
    await run_in_threadpool(accounts.end_session, store_of(request), token)
    response = _back("/signin")
    clear_session_cookie(response)
    return response


# --- the office's and the coordinator's pages ---------------------------------------------------------------------

async def home(request: Request) -> Response:
    session = await signed_in(request)
    data = await run_in_threadpool(lambda: desk.home(store_of(request), scope=session[0].scope,
                                                     round_name=request.query_params.get("round")))
    return render(request, "home.html", data, session=session)


async def region(request: Request) -> Response:
    session = await signed_in(request)
    region_id = request.path_params["region"]
    data = await run_in_threadpool(lambda: desk.region(store_of(request), region_id, scope=session[0].scope,
                                                       round_name=request.query_params.get("round")))
    return render(request, "region.html", data, session=session)


async def region_workbook(request: Request) -> Response:
    """The region's workbook as issued in the round, to fill in."""
    account, _token = await signed_in(request)
    path = await run_in_threadpool(campaign.round_workbook, store_of(request), request.path_params["region"],
                                   request.query_params.get("round"), scope=account.scope)
    return FileResponse(path, media_type=XLSX, filename=path.name)


async def comment(request: Request) -> Response:
    """A coordinator's comment on a region's return; back to the region's page."""
    account, token = await signed_in(request)
    fields = await _form(request, token)
    region_id = request.path_params["region"]
    upload_seq = fields.get("upload", "")
    if upload_seq and _number(upload_seq) is None:
        raise Unknown("desk_no_upload", n=upload_seq)
    await run_in_threadpool(lambda: desk.add_comment(store_of(request), region_id, fields.get("text", ""),
                                                     scope=account.scope, upload_seq=_number(upload_seq)))
    return _back(f"/regions/{quote(region_id)}")


async def upload(request: Request) -> Response:
    """A return uploaded: validated, annotated and kept in a worker process; the answer is its verdict page
    (also at /uploads/N, named in the X-Result-Location header for the page's script)."""
    session = await signed_in(request)
    account, token = session
    folder = Path(tempfile.mkdtemp(prefix="cwb-upload-"))
    try:
        path, name, fields = await receive_file(request, folder)
        ensure_form_token(request, token, fields.get(TOKEN_FIELD))
        done = await asyncio.get_running_loop().run_in_executor(
            request.app.state.pool, jobs.check_upload, request.app.state.settings.store, str(path), name,
            account.scope, lang_of(request))
    finally:
        await run_in_threadpool(shutil.rmtree, folder, True)
    if done["rejected"]:
        return render(request, "refused.html", {"message": done["message"], "file": name}, session=session,
                      status=400)
    data = done["upload"]  # the upload as its page shows it, from the worker that kept it
    return render(request, "upload.html", {"upload": data, "just_checked": True}, session=session,
                  headers={"X-Result-Location": f"/uploads/{data['seq']}"}, here=f"/uploads/{data['seq']}")


MAX_SEQ = 2**62  # an upload's number the store can hold: beyond it, no such upload (404), not an overflow


def _number(text: str) -> int | None:
    """A number typed in a URL or a form: ASCII digits, within what the store holds; None otherwise."""
    return int(text) if text.isascii() and text.isdigit() and int(text) < MAX_SEQ else None


def _seq(request: Request) -> int:
    seq = _number(str(request.path_params["n"]))
    if seq is None:
        raise Unknown("desk_no_upload", n=request.path_params["n"])
    return seq


async def upload_page(request: Request) -> Response:
    session = await signed_in(request)
    seq = _seq(request)
    data = await run_in_threadpool(lambda: desk.upload(store_of(request), seq, scope=session[0].scope))
    return render(request, "upload.html", {"upload": data, "just_checked": False}, session=session)


async def upload_download(request: Request) -> Response:
    """The file as received, or its annotated copy."""
    account, _token = await signed_in(request)
    which = request.path_params["which"]
    if which not in ("file", "annotated"):
        raise Unknown("api_no_route", path=request.url.path)
    content, name = await run_in_threadpool(lambda: desk.upload_file(
        store_of(request), _seq(request), "original" if which == "file" else "annotated", scope=account.scope,
        lang=lang_of(request)))
    disposition = f"attachment; filename=\"upload.xlsx\"; filename*=UTF-8''{quote(name)}"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})


async def submit(request: Request) -> Response:
    """Merge a kept upload, as `merge` would; back to its page, which shows what the merge did."""
    session = await signed_in(request)
    account, token = session
    await _form(request, token)
    seq = _seq(request)
    done = await asyncio.get_running_loop().run_in_executor(
        request.app.state.pool, jobs.submit_upload, request.app.state.settings.store, seq, account.scope,
        lang_of(request))
    if done["rejected"]:
        return render(request, "refused.html", {"message": done["message"], "file": ""}, session=session,
                      status=400)
    return _back(f"/uploads/{seq}")


# --- the coordinator's -------------------------------------------------------------------------------------------

async def report(request: Request) -> Response:
    account, _token = await signed_in(request)
    fmt = request.path_params["fmt"]
    if fmt not in ("xlsx", "pdf"):
        raise UsageError("api_bad_format", format=fmt, formats="xlsx, pdf")
    return await report_file(request, account.scope, fmt)


async def accounts_page(request: Request) -> Response:
    session = await signed_in(request)
    listed = await run_in_threadpool(lambda: accounts.list_accounts(store_of(request), scope=session[0].scope))
    regions = await run_in_threadpool(lambda: accounts.regions_named(store_of(request)))
    return render(request, "accounts.html", {"accounts": listed, "regions": regions, "key": None}, session=session)


async def account_change(request: Request) -> Response:
    """Add an account, give one a new key, or revoke one; a new key is shown once, on this answer only."""
    session = await signed_in(request)
    account, token = session
    fields = await _form(request, token)
    st = store_of(request)
    action = request.path_params.get("action", "add")
    name = request.path_params.get("name") or fields.get("name", "")
    key = None
    if action == "add":
        regions = [r for r in fields["_regions"].split(",") if r]
        _acc, key = await run_in_threadpool(lambda: accounts.add(st, name.strip(), role=fields.get("role", ""),
                                                                 regions=regions, scope=account.scope))
    elif action == "key":
        _acc, key, _ended = await run_in_threadpool(lambda: accounts.new_key(st, name, scope=account.scope))
    elif action == "revoke":
        await run_in_threadpool(lambda: accounts.revoke(st, name, scope=account.scope))
    else:
        raise Unknown("api_no_route", path=request.url.path)
    if key is None:
        return _back("/accounts")
    listed = await run_in_threadpool(lambda: accounts.list_accounts(st, scope=account.scope))
    regions = await run_in_threadpool(lambda: accounts.regions_named(st))
    return render(request, "accounts.html", {"accounts": listed, "regions": regions, "key": key, "key_for": name},
                  session=session, headers={"Cache-Control": "no-store"}, here="/accounts")


routes = [
    Route("/", home, methods=["GET"]),
    Route("/signin", signin_page, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/regions/{region}", region, methods=["GET"]),
    Route("/regions/{region}/workbook", region_workbook, methods=["GET"]),
    Route("/regions/{region}/comments", comment, methods=["POST"]),
    Route("/upload", upload, methods=["POST"]),
    Route("/uploads/{n:int}", upload_page, methods=["GET"]),
    Route("/uploads/{n:int}/{which:str}", upload_download, methods=["GET"]),
    Route("/uploads/{n:int}/submit", submit, methods=["POST"]),
    Route("/report.{fmt:str}", report, methods=["GET"]),
    Route("/accounts", accounts_page, methods=["GET"]),
    Route("/accounts", account_change, methods=["POST"]),
    Route("/accounts/{name}/{action}", account_change, methods=["POST"]),
    Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
]
