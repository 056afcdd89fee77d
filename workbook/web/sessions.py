"""Who is signed in at a browser, and whether a form came from our own page. The session lives in the store
(`services.accounts`): the cookie holds only its token, so that any worker on any host answers it and a revocation
ends it at the next request. A form that changes something carries a check code derived from that token, which
another site cannot read and so cannot forge (403 without it)."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from workbook.core.errors import Forbidden, NotSignedIn
from workbook.services import accounts
from workbook.services.accounts import SESSION_LIFETIME, Account
from workbook.web.answers import store_of

COOKIE = "cwb_session"
TOKEN_FIELD = "csrf"  # the hidden field of every form that changes something


def check_code(token: str) -> str:
    """The check code of a session's forms: a keyed hash of its token (the token itself never goes into a page)."""
    return hmac.new(token.encode("utf-8"), b"cluster-wb form", hashlib.sha256).hexdigest()


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """HttpOnly (no script reads it), SameSite=Lax (another site's form posts go without it), Secure when the
    request came over HTTPS (directly, or through a proxy that says so: see the README, "Deployment")."""
    response.set_cookie(COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), path="/", httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


async def session_of(request: Request) -> tuple[Account, str] | None:
    """The account signed in at this browser and its session's token; None when no live session."""
    token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    account = await run_in_threadpool(accounts.session_account, store_of(request), token)
    return (account, token) if account is not None else None


async def signed_in(request: Request) -> tuple[Account, str]:
    """As `session_of`, or `NotSignedIn` (a page answers by sending the browser to the sign-in page)."""
    found = await session_of(request)
    if found is None:
        raise NotSignedIn("page_signed_out")
    return found


def ensure_same_origin(request: Request) -> None:
    """Refuse (403) a form a browser sent from another site's page (its Origin names another host; "null": a
    sandboxed frame). Browsers that send no Origin are left to the check code."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise Forbidden("page_no_token")


def ensure_form_token(request: Request, token: str, sent: object) -> None:
    """Refuse (403) a form without this session's check code, or sent from another site's page."""
    ensure_same_origin(request)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, check_code(token)):
        raise Forbidden("page_no_token")
