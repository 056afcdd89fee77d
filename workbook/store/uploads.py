"""The portal's returns desk, kept as rows of the store: every uploaded file (its bytes once per content, with its
annotated copy), what checking it found and what its submission did; the coordinator's comments on a region's
returns; and the wrong keys typed at the sign-in page, by client. In the store, not on a server's disk or in its
memory, so that every worker on every host sees the same. Who may see which rows is the service's rule
(`workbook.services.desk`); every query here takes the regions asked for."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select

from workbook.store.tables import (
    _dumps,
    _loads,
    comments_t,
    files_t,
    now_iso,
    signin_failures_t,
    upload_regions_t,
    uploads_t,
)


class Uploads:
    """Uploads, their files and the comments on them; wrong sign-in keys."""

    def keep_file(self, sha256: str, content: bytes) -> None:
        """The bytes of a file, once per content (an office sending the same file twice keeps one copy)."""
        with self._connect() as c:
            if c.execute(select(files_t.c.sha256).where(files_t.c.sha256 == sha256)).first() is None:
                c.execute(insert(files_t).values(sha256=sha256, size=len(content), content=content))

    def file_content(self, sha256: str) -> bytes | None:
        with self._read() as c:
            return c.execute(select(files_t.c.content).where(files_t.c.sha256 == sha256)).scalar()

    def add_upload(self, upload: dict) -> int:
        """Record an upload (its file kept already); returns its number."""
        row = {**upload, "regions": _dumps(upload["regions"]), "result": _dumps(upload["result"])}
        with self._connect() as c:
            seq = c.execute(insert(uploads_t).values(**row).returning(uploads_t.c.seq)).scalar_one()
            c.execute(insert(upload_regions_t), [{"upload": seq, "region": r} for r in upload["regions"]])
        return int(seq)

    def upload(self, seq: int) -> dict | None:
        with self._read() as c:
            row = c.execute(select(uploads_t).where(uploads_t.c.seq == seq)).mappings().first()
        return _upload_row(dict(row)) if row else None

    def uploads(self, regions: Iterable[str], *, limit: int = 200) -> list[dict]:
        """The uploads holding any of these regions, newest first (the caller keeps those it may show)."""
        q = (select(uploads_t).where(uploads_t.c.seq.in_(
                select(upload_regions_t.c.upload).where(upload_regions_t.c.region.in_(list(regions)))))
             .order_by(uploads_t.c.seq.desc()).limit(limit))
        with self._read() as c:
            return [_upload_row(dict(r)) for r in c.execute(q).mappings()]

    def uploads_by(self, account: str, since: str) -> list[tuple[str, int]]:
        """When `account` uploaded since `since` (ISO), and each file's size: its quota."""
        q = select(uploads_t.c.at, uploads_t.c.size).where(uploads_t.c.by == account, uploads_t.c.at >= since)
        with self._read() as c:
            return [(at, int(n)) for at, n in c.execute(q)]

    def set_upload_merge(self, seq: int, *, by: str, revision: int | None, result: dict) -> None:
        with self._connect() as c:
            c.execute(uploads_t.update().where(uploads_t.c.seq == seq).values(
                merged_at=now_iso(), merged_by=by, revision=revision, merge_result=_dumps(result)))

    def add_comment(self, *, round_name: str | None, region: str, upload: int | None, by: str, text: str) -> int:
        with self._connect() as c:
            return int(c.execute(insert(comments_t).values(round=round_name, region=region, upload=upload,
                                                           at=now_iso(), by=by, text=text)
                                 .returning(comments_t.c.seq)).scalar_one())

    def comments(self, regions: Iterable[str], *, limit: int = 200) -> list[dict]:
        """The comments on these regions' returns, newest first."""
        q = (select(comments_t).where(comments_t.c.region.in_(list(regions)))
             .order_by(comments_t.c.seq.desc()).limit(limit))
        with self._read() as c:
            return [dict(r) for r in c.execute(q).mappings()]

    def add_signin_failure(self, client: str, at: str, *, forget_before: str) -> None:
        """A wrong key from `client` at `at` (UTC ISO); failures older than `forget_before` are forgotten."""
        with self._connect() as c:
            c.execute(delete(signin_failures_t).where(signin_failures_t.c.at < forget_before))
            c.execute(insert(signin_failures_t).values(client=client, at=at))

    def signin_failures(self, client: str, since: str) -> list[str]:
        """When `client` typed a wrong key since `since` (UTC ISO), oldest first."""
        q = (select(signin_failures_t.c.at)
             .where(signin_failures_t.c.client == client, signin_failures_t.c.at >= since)
             .order_by(signin_failures_t.c.at))
        with self._read() as c:
            return [r for (r,) in c.execute(q)]



def _upload_row(row: dict) -> dict:
    out = dict(row)
    out["regions"] = _loads(out["regions"])
    out["result"] = _loads(out["result"])
    out["merge_result"] = _loads(out["merge_result"]) if out["merge_result"] else None
    return out
