"""Portal accounts and their sessions, kept as rows of the store (never a key or a token, only their hashes), so
that every worker of the portal, on any host, sees the same sign-ins and revocations. The rules (who may have which
regions, how long a session lasts, what a key is) are the service's, `workbook.services.accounts`."""

from __future__ import annotations

from sqlalchemy import func, select

from workbook.store.tables import _dumps, _loads, accounts_t, now_iso, sessions_t


class Accounts:
    """Accounts (name, role, regions, the hash of the key) and sessions (the hash of the token, the account and
    the key generation it was made with, its expiry)."""

    def account(self, name: str) -> dict | None:
        with self._read() as c:
            row = c.execute(select(accounts_t).where(accounts_t.c.name == name)).mappings().first()
        return _account_row(dict(row)) if row else None

    def accounts(self) -> list[dict]:
        """Every account, by name."""
        with self._read() as c:
            rows = c.execute(select(accounts_t).order_by(accounts_t.c.name)).mappings()
            return [_account_row(dict(r)) for r in rows]

    def account_by_key_hash(self, key_hash: str) -> dict | None:
        """The active account whose key has this hash (a revoked one keeps none)."""
        with self._read() as c:
            row = c.execute(select(accounts_t).where(accounts_t.c.key_hash == key_hash)).mappings().first()
        return _account_row(dict(row)) if row else None

    def add_account(self, name: str, *, role: str, regions: list[str] | None, key_hash: str, by: str) -> dict:
        with self._connect() as c:
            c.execute(accounts_t.insert().values(
                name=name, role=role, regions=None if regions is None else _dumps(regions), key_hash=key_hash,
                key_gen=1, created_at=now_iso(), created_by=by))
        out = self.account(name)
        assert out is not None
        return out

    def set_account_key(self, name: str, key_hash: str | None, *, by: str) -> None:
        """A new key (or none: revoked). The key generation moves on, and every session of the account ends."""
        now = now_iso()
        with self._connect() as c:
            c.execute(accounts_t.update().where(accounts_t.c.name == name).values(
                key_hash=key_hash, key_gen=accounts_t.c.key_gen + 1, changed_at=now, changed_by=by,
                revoked_at=now if key_hash is None else None))
            c.execute(sessions_t.update().where(sessions_t.c.account == name, sessions_t.c.ended_at.is_(None))
                      .values(ended_at=now))

    def touch_account(self, name: str) -> None:
        with self._connect() as c:
            c.execute(accounts_t.update().where(accounts_t.c.name == name).values(last_seen=now_iso()))

    def add_session(self, token_hash: str, *, account: str, key_gen: int, expires: str) -> None:
        with self._connect() as c:
            c.execute(sessions_t.insert().values(token_hash=token_hash, account=account, key_gen=key_gen,
                                                 created_at=now_iso(), expires=expires))

    def session(self, token_hash: str) -> dict | None:
        with self._read() as c:
            row = c.execute(select(sessions_t).where(sessions_t.c.token_hash == token_hash)).mappings().first()
        return dict(row) if row else None

    def touch_session(self, token_hash: str) -> None:
        with self._connect() as c:
            c.execute(sessions_t.update().where(sessions_t.c.token_hash == token_hash).values(last_seen=now_iso()))

    def end_session(self, token_hash: str) -> None:
        with self._connect() as c:
            c.execute(sessions_t.update().where(sessions_t.c.token_hash == token_hash, sessions_t.c.ended_at.is_(None))
                      .values(ended_at=now_iso()))

    def purge_sessions(self, before_utc: str) -> int:
        """Forget sessions that expired before this UTC time (ISO 8601, as `expires` is kept): their rows only
        grow the table."""
        with self._connect() as c:
            return c.execute(sessions_t.delete().where(sessions_t.c.expires < before_utc)).rowcount

    def session_count(self, name: str) -> int:
        """The account's sessions that have not ended (expired ones included, until they are purged)."""
        with self._read() as c:
            return int(c.execute(select(func.count()).select_from(sessions_t).where(
                sessions_t.c.account == name, sessions_t.c.ended_at.is_(None))).scalar_one())


def _account_row(row: dict) -> dict:
    out = dict(row)
    out["regions"] = None if out["regions"] is None else _loads(out["regions"])
    return out
