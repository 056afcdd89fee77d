"""Portal accounts (issue 22): a coordinator, who has every region, or an office, which has its own; each signs in
with a key shown once, when it is made, and kept in the store only as a hash. A new key or a revocation ends the old
key and every session made with it, in the store, so that every worker of the portal sees it at its next request.

The command line (`account ...`) and the portal share these functions; `Scope` (workbook.core.scope) is what an
account may reach, for the services that read and write regions."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from workbook.core.errors import NotSignedIn, Throttled, UsageError
from workbook.core.scope import COORDINATOR, OFFICE, ROLES, Scope

if TYPE_CHECKING:
    from workbook.store import Store


SESSION_LIFETIME = timedelta(hours=12)  # a working day and its evening: an office signs in again the next morning
SEEN_EVERY = timedelta(minutes=1)  # `last_seen` is written at most this often: not one write per request
MAX_KEY_CHARS = 512  # a longer "key" is no key of ours: refused before it is hashed
ACCOUNT_NAME = re.compile(r"[\w.@-]{1,64}")
SIGNIN_WINDOW = timedelta(minutes=15)  # wrong keys counted over this long, per client ...
SIGNIN_LIMIT = 10  # ... and this many refuse the client, whatever it types, until the oldest is that old


@dataclass(frozen=True)
class Account:
    """An account as the services see it: never its key. `regions` None: every region (a coordinator)."""

    name: str
    role: str
    regions: tuple[str, ...] | None
    active: bool
    last_seen: str | None
    key_gen: int

    @property
    def scope(self) -> Scope:
        return Scope(self.name, self.role, None if self.regions is None else frozenset(self.regions))


def _account(row: dict) -> Account:
    regions = row["regions"]
    return Account(row["name"], row["role"], None if regions is None else tuple(regions), row["key_hash"] is not None,
                   row["last_seen"], int(row["key_gen"]))


def _hash(secret: str) -> str:
    """SHA-256 of a key or a session token, hex. A fast hash is enough here, and right: a slow salted one
    (bcrypt, argon2) protects passwords people choose, which can be guessed offline from a stolen hash; these
    are 256 random bits (`secrets.token_urlsafe(32)`), which no one can guess whatever the hash's speed. Unsalted,
    the hash is also the lookup key (an index, one row read per request), which a salted one could not be."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_secret() -> str:
    """256 random bits, URL-safe (43 characters): a key to type or paste, or a session's token."""
    return secrets.token_urlsafe(32)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def region_ids(st: Store) -> list[str]:
    """The store's regions, in their order (as the workbooks and the tracker list them)."""
    known = st.regions()
    return sorted(known, key=lambda r: (known[r].get("order", 0), r))


def regions_named(st: Store) -> list[dict]:
    """The store's regions in their order, with their names: what an account may be given."""
    known = st.regions()
    return [{"region": r, "name_zh": known[r].get("name_zh"), "name_en": known[r].get("name_en")}
            for r in region_ids(st)]


def account_json(account: Account, all_regions: list[str]) -> dict:
    """{name, role, regions}: a coordinator's regions are every region of the store now."""
    return {"name": account.name, "role": account.role,
            "regions": list(all_regions) if account.regions is None else list(account.regions)}


def _check_name(name: str) -> str:
    """An account's name, in its compatibility form (full-width ｆｘ is fx): one name, one way to write it."""
    name = unicodedata.normalize("NFKC", name)
    if not ACCOUNT_NAME.fullmatch(name):
        raise UsageError("usage_account_name", name=name)
    return name


def _known(st: Store, name: str) -> dict:
    row = st.account(name)
    if row is None:
        raise UsageError("usage_account_unknown", name=name, names=", ".join(a["name"] for a in st.accounts()) or "—")
    return row


def add(st: Store, name: str, *, role: str, regions: list[str], scope: Scope) -> tuple[Account, str]:
    """Create an account (a coordinator's act: `scope` every region); returns it and its key, which nothing can
    show again. An office needs at least one region, each one the store has; a coordinator has every region, and
    a --region given to it is refused rather than ignored (the person meant something the account would not do)."""
    scope.ensure_all("forbidden_accounts")
    by = scope.actor
    name = _check_name(name)
    if role not in ROLES:
        raise UsageError("usage_account_role", role=role)
    chosen = list(dict.fromkeys(regions))
    with st.transaction():
        st.lock_writes()  # two `account add` of one name at once: the second finds the first's
        if st.account(name) is not None:
            raise UsageError("usage_account_exists", name=name)
        known = region_ids(st)
        if role == COORDINATOR and chosen:
            raise UsageError("usage_account_coordinator_regions", name=name)
        if role == OFFICE and not chosen:
            raise UsageError("usage_account_no_region", name=name, known=", ".join(known))
        unknown = [r for r in chosen if r not in known]
        if unknown:
            raise UsageError("usage_unknown_region", unknown=", ".join(unknown), known=", ".join(known))
        key = _new_secret()
        row = st.add_account(name, role=role, regions=chosen if role == OFFICE else None, key_hash=_hash(key), by=by)
    return _account(row), key


def new_key(st: Store, name: str, *, scope: Scope) -> tuple[Account, str, int]:
    """A new key for the account (a revoked one is active again); the old key stops working and every session
    made with it ends. Returns the account, its key and how many sessions ended. A coordinator's act."""
    scope.ensure_all("forbidden_accounts")
    by = scope.actor
    with st.transaction():
        st.lock_writes()
        _known(st, name)
        ended = st.session_count(name)
        key = _new_secret()
        st.set_account_key(name, _hash(key), by=by)
        row = st.account(name)
    assert row is not None
    return _account(row), key, ended


def revoke(st: Store, name: str, *, scope: Scope) -> tuple[Account, bool, int]:
    """End the account's key and every session made with it. Returns the account, whether it was active (a
    revoked one is left as it was) and how many sessions ended. A coordinator's act."""
    scope.ensure_all("forbidden_accounts")
    by = scope.actor
    if name == scope.actor:
        raise UsageError("usage_account_self", name=name)
    with st.transaction():
        st.lock_writes()
        row = _known(st, name)
        if row["key_hash"] is None:
            return _account(row), False, 0
        ended = st.session_count(name)
        st.set_account_key(name, None, by=by)
        row = st.account(name)
    assert row is not None
    return _account(row), True, ended


def revoked_at(st: Store, name: str) -> str | None:
    row = st.account(name)
    return row["revoked_at"] if row else None


def list_accounts(st: Store, *, scope: Scope) -> list[dict]:
    """Every account, by name: {name, role, regions, active, last_seen}. Never a key, nor its hash. For
    coordinators."""
    scope.ensure_all("forbidden_accounts")
    with st.reading():
        known = region_ids(st)
        rows = st.accounts()
    return [{**account_json(acc, known), "active": acc.active, "last_seen": acc.last_seen}
            for acc in map(_account, rows)]


def _seen(st: Store, last_seen: str | None, touch) -> None:
    """Note that an account or session was used, at most once a `SEEN_EVERY`."""
    now = datetime.now(UTC)
    if last_seen is None or now - datetime.fromisoformat(last_seen) >= SEEN_EVERY:
        touch()


def authenticate(st: Store, key: str) -> Account | None:
    """The active account whose key this is; None for any other text (a wrong, replaced or revoked key)."""
    if not key or len(key) > MAX_KEY_CHARS:
        return None
    digest = _hash(key)
    with st.reading():  # a read: on SQLite, without the writers' lock that a plain query would take
        row = st.account_by_key_hash(digest)
    # found by its hash, so compared already; compared again in constant time, which costs nothing and keeps
    # the check right should the lookup ever change (a prefix match, a case-insensitive collation)
    if row is None or not hmac.compare_digest(row["key_hash"] or "", digest):
        return None
    _seen(st, row["last_seen"], lambda: st.touch_account(row["name"]))
    return _account(row)


def open_session(st: Store, account: Account, *, lifetime: timedelta = SESSION_LIFETIME) -> str:
    """A new session of the account (a browser signed in with its key); returns its token, to be kept in a cookie
    and nowhere else. It ends at `lifetime`, at `end_session`, or when the account gets a new key or is revoked.
    Sessions long expired are forgotten on the way."""
    token = _new_secret()
    now = datetime.now(UTC)
    with st.transaction():
        st.lock_writes()
        st.purge_sessions(_utc(now - timedelta(days=1)))
        st.add_session(_hash(token), account=account.name, key_gen=account.key_gen, expires=_utc(now + lifetime))
    return token


def session_account(st: Store, token: str) -> Account | None:
    """The account of a live session: not ended, not expired, made with the account's key now (a new key or a
    revocation since ends it); None otherwise."""
    if not token or len(token) > MAX_KEY_CHARS:
        return None
    digest = _hash(token)
    with st.reading():  # every page asks this: a read, without the writers' lock (SQLite)
        sess = st.session(digest)
        row = st.account(sess["account"]) if sess is not None else None
    if sess is None or not hmac.compare_digest(sess["token_hash"], digest) or sess["ended_at"] is not None:
        return None
    if datetime.fromisoformat(sess["expires"]) <= datetime.now(UTC):
        return None
    if row is None or row["key_hash"] is None or int(row["key_gen"]) != int(sess["key_gen"]):
        return None
    _seen(st, sess["last_seen"], lambda: st.touch_session(digest))
    _seen(st, row["last_seen"], lambda: st.touch_account(row["name"]))
    return _account(row)


def sign_in(st: Store, key: str, client: str) -> tuple[Account, str]:
    """A browser signing in with a key: its account and a new session's token. Wrong keys are counted per client
    in the store (every worker, every host sees them); after `SIGNIN_LIMIT` within `SIGNIN_WINDOW` the client is
    refused (`Throttled`) until the oldest of them is that old, even with a right key."""
    now = datetime.now(UTC)
    since = now - SIGNIN_WINDOW
    account = authenticate(st, key)
    with st.transaction():  # counted and checked under the writers' lock: wrong keys sent at once all count
        st.lock_writes()
        failures = st.signin_failures(client, _utc(since))
        if len(failures) < SIGNIN_LIMIT and account is None:
            st.add_signin_failure(client, _utc(now), forget_before=_utc(since))
    if len(failures) >= SIGNIN_LIMIT:
        free_at = datetime.fromisoformat(failures[-SIGNIN_LIMIT]) + SIGNIN_WINDOW
        minutes = max(1, -int(-(free_at - now).total_seconds() // 60))
        raise Throttled("signin_throttled", minutes=minutes, retry_after=int((free_at - now).total_seconds()) + 1)
    if account is None:
        raise NotSignedIn("signin_wrong_key")
    return account, open_session(st, account)


def end_session(st: Store, token: str) -> None:
    """Sign out: the session ends in the store, for every worker."""
    if token and len(token) <= MAX_KEY_CHARS:
        st.end_session(_hash(token))
