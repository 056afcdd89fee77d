"""What every route of the portal shares: the request's language, a store for its thread, the one shape of a
failure."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from workbook.store import Store

LANGS = ("zh", "en")
LANG_COOKIE = "cwb_lang"  # the language a page was last asked in


def lang_of(request: Request) -> str:
    """?lang=zh|en, else the language a page was last asked in (its cookie), else the server's default (zh)."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return asked if asked in LANGS else request.app.state.settings.lang


def store_of(request: Request) -> Store:
    """A store for this request's thread: the application's engine (its pool of connections), and a `Store` of
    its own, which keeps a transaction's connection on itself and so serves one thread at a time."""
    base: Store = request.app.state.store
    return Store(base.engine, base.location)


def failure(code: str, message: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one shape of every failure: {"error": CODE, "message": str}."""
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)
