"""`create_app(settings)`: the portal's Starlette application. It only wires: the routes of each area (`api`,
mounted at /api, and the `pages`), the one place failures become answers (`_refused`, `_http` and `_Answers`, as
`GuardedGroup` is for the commands: JSON under /api/, an error page elsewhere), the security headers, the store and
the worker pool for the application's life."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import secrets
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from workbook.core.errors import CwbError, NotSignedIn
from workbook.core.messages import t
from workbook.store import open_store
from workbook.store.connection import scrub, store_failure
from workbook.web import api, jobs, pages
from workbook.web.answers import failure, lang_of
from workbook.web.settings import Settings

log = logging.getLogger("cluster_wb.web")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _answer(request: Request, code: str, message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    """A failure as the asker reads it: JSON `{"error", "message"}` under /api/, else an error page (with a way
    back, and the request id where there is one, never a traceback)."""
    if _is_api(request):
        return failure(code, message, status, headers)
    from workbook.web.pages import render

    return render(request, "error.html", {"status": status, "message": message, "code": code}, status=status,
                  headers=headers)


async def _refused(request: Request, exc: Exception) -> Response:
    """An expected failure (a coded `CwbError`): its message in the request's language, its HTTP status. A page
    asked for without a live session sends the browser to the sign-in page instead."""
    assert isinstance(exc, CwbError)
    if isinstance(exc, NotSignedIn) and not _is_api(request):
        return RedirectResponse("/signin", status_code=303)
    message = scrub(exc.message(lang_of(request)), request.app.state.settings.store)  # a URL's password masked
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else {}
    if "retry_after" in exc.params:  # a 429: when to come back
        headers["Retry-After"] = str(exc.params["retry_after"])
    return _answer(request, exc.code, message, exc.http_status, headers)


async def _http(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals: an unknown address, a method a route does not take, a form it cannot parse."""
    assert isinstance(exc, HTTPException)
    lang = lang_of(request)
    if exc.status_code == 404:
        return _answer(request, "api_no_route", t("api_no_route", lang, path=request.url.path), 404)
    if exc.status_code == 405:
        return _answer(request, "api_method", t("api_method", lang, path=request.url.path, method=request.method),
                       405, dict(exc.headers or {}))
    return _answer(request, "api_bad_form", t("api_bad_form", lang, why=exc.detail), exc.status_code)


SECURITY_HEADERS = [  # every answer: scripts and styles from this server only, no framing, no sniffing
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                 b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class _Answers:
    """The last line of defence, outermost: anything unexpected answers 500 with a request id, never a traceback;
    the traceback goes to the server's log under that id. A lost or read-only store answers 503. Every answer
    gets the security headers, and a page is not kept in caches (it shows one account's regions)."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        static = scope.get("path", "").startswith("/static/")

        async def sending(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"cache-control" or static]
                headers += SECURITY_HEADERS
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except ClientDisconnect:  # the client went away mid-request: nobody to answer, nothing broken
            log.info("%s %s: the client disconnected before the request was read", scope.get("method"),
                     scope.get("path"))
            return
        except Exception as exc:  # noqa: BLE001 - no traceback for users
            request_id = secrets.token_hex(4)
            log.exception("request %s: %s %s failed", request_id, scope.get("method"), scope.get("path"))
            if started:
                return  # the answer is under way: the client sees a cut connection, the log says why
            request = Request(scope)  # scope["app"] is the application: Starlette sets it before any middleware
            lang = lang_of(request)
            refused = store_failure(exc, self.settings.store)
            if refused is not None:
                code, message, status = refused.code, scrub(refused.message(lang), self.settings.store), 503
            else:
                code, message, status = "api_internal", t("api_internal", lang, id=request_id), 500
            if _is_api(request):
                answer: Response = failure(code, message, status)
            else:
                answer = _plain_page(status, message, lang)
            await answer(scope, receive, sending)


def _plain_page(status: int, message: str, lang: str) -> HTMLResponse:
    """The error page of last resort: no template, nothing that could fail again."""
    back = "返回首页" if lang == "zh" else "Back to the first page"
    body = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{status}</title>'
            f'<link rel="stylesheet" href="/static/portal.css"></head><body><main><h1>{status}</h1>'
            f'<p class="message">{html.escape(message)}</p><p><a href="/">{back}</a></p></main></body></html>')
    return HTMLResponse(body, status_code=status)


def create_app(settings: Settings) -> Starlette:
    """The application serving `settings.store`. The store is opened (and checked, and upgraded) here, so that a
    bad store stops `serve` before it listens; the worker pool lives as long as the application."""
    store = open_store(settings.store)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = jobs.make_pool(settings.pool_size)
        app.state.pool = pool
        warming = asyncio.get_running_loop().run_in_executor(pool, jobs.warm)  # not waited for: start-up stays quick
        try:
            yield
        finally:
            warming.cancel()
            # the uploads under way finish first (a merge commits or rolls back whole), in a thread: the loop goes on
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown)
            store.engine.dispose()

    app = Starlette(routes=[Mount("/api", routes=api.routes), *pages.routes], lifespan=lifespan,
                    exception_handlers={CwbError: _refused, HTTPException: _http})
    app.state.settings = settings
    app.state.store = store
    app.add_middleware(_Answers, settings=settings)
    return app


def app_from_env() -> Starlette:
    """The application of a worker process of `serve --workers N` (uvicorn's factory)."""
    return create_app(Settings.from_env())
