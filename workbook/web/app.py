"""`create_app(settings)`: the portal's Starlette application. It only wires: the routes of each area (`api`,
mounted at /api), the one place failures become answers (`_answers`, as `GuardedGroup` is for the commands), the
store and the worker pool for the application's life."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from workbook.core.errors import CwbError
from workbook.core.messages import t
from workbook.store import open_store
from workbook.store.connection import scrub
from workbook.web import api, jobs
from workbook.web.answers import LANGS, failure, lang_of
from workbook.web.settings import Settings

log = logging.getLogger("cluster_wb.web")


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    """An expected failure (a coded `CwbError`): its message in the request's language, its HTTP status."""
    assert isinstance(exc, CwbError)
    message = scrub(exc.message(lang_of(request)), request.app.state.settings.store)  # a URL's password masked
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    return failure(exc.code, message, exc.http_status, headers)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own refusals: an unknown address, a method a route does not take, a form it cannot parse."""
    assert isinstance(exc, HTTPException)
    lang = lang_of(request)
    if exc.status_code == 404:
        return failure("api_no_route", t("api_no_route", lang, path=request.url.path), 404)
    if exc.status_code == 405:
        return failure("api_method", t("api_method", lang, path=request.url.path, method=request.method), 405,
                       dict(exc.headers or {}))
    return failure("api_bad_form", t("api_bad_form", lang, why=exc.detail), exc.status_code)


class _Answers:
    """The last line of defence, outermost: anything unexpected answers 500 with a request id, never a traceback;
    the traceback goes to the server's log under that id. A lost or read-only store answers 503."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
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
            request = Request(scope)
            lang = request.query_params.get("lang")
            lang = lang if lang in LANGS else self.settings.lang
            answer = _store_failure(exc, lang, self.settings.store) or failure(
                "api_internal", t("api_internal", lang, id=request_id), 500)
            await answer(scope, receive, send)


def _store_failure(exc: Exception, lang: str, store: str) -> JSONResponse | None:
    from sqlalchemy.exc import OperationalError

    from workbook.store.connection import read_only, read_only_error, shown
    if read_only(exc):
        err = read_only_error(store)
        return failure(err.code, scrub(err.message(lang), store), 503)
    if isinstance(exc, OperationalError):
        why = " ".join(str(exc.orig).split())
        return failure("store_lost", scrub(t("store_lost", lang, store=shown(store), why=why), store), 503)
    return None


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

    app = Starlette(routes=[Mount("/api", routes=api.routes)], lifespan=lifespan,
                    exception_handlers={CwbError: _refused, HTTPException: _http})
    app.state.settings = settings
    app.state.store = store
    app.add_middleware(_Answers, settings=settings)
    return app


def app_from_env() -> Starlette:
    """The application of a worker process of `serve --workers N` (uvicorn's factory)."""
    return create_app(Settings.from_env())
