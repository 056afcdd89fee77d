"""Reporting rounds, the workbooks they issued and the return attempts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Connection

from workbook.store.tables import (
    _dumps,
    _loads,
    _lock_writes,
    attempts_t,
    now_iso,
    revisions_t,
    round_workbooks_t,
    rounds_t,
    workbooks_t,
)


def order_closings(c: Connection) -> None:
    """Number the closed rounds of a store from before closings were numbered (`closed_seq`), in the order they
    most likely closed: by snapshot revision, closing time (to the second), then opening order. On the caller's
    connection, inside its transaction (the format upgrade's)."""
    if "closed_seq" not in {col["name"] for col in inspect(c).get_columns(rounds_t.name)}:
        c.exec_driver_sql(f"ALTER TABLE {rounds_t.name} ADD COLUMN closed_seq INTEGER")
    closed = c.execute(select(rounds_t.c.name, rounds_t.c.closed_rev, rounds_t.c.closed_at, rounds_t.c.seq).where(
        rounds_t.c.state == "closed", rounds_t.c.closed_seq.is_(None))).all()
    if not closed:
        return
    start = c.execute(select(func.coalesce(func.max(rounds_t.c.closed_seq), 0))).scalar_one()
    closed.sort(key=lambda r: (r.closed_rev, _instant(r.closed_at), r.seq))
    for n, row in enumerate(closed, start + 1):
        c.execute(rounds_t.update().where(rounds_t.c.name == row.name).values(closed_seq=n))


def _instant(iso: str | None) -> datetime:
    """A stored time (ISO 8601, with its offset), to compare across offsets."""
    try:
        return datetime.fromisoformat(iso) if iso else datetime.min.replace(tzinfo=UTC)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


class Rounds:
    """Reporting rounds, their workbooks and return attempts."""

    def add_round(self, name: str, *, period: str | None, due: str, regions: list[str], by: str) -> dict:
        with self._connect() as c:
            _lock_writes(c)
            seq = c.execute(select(func.coalesce(func.max(rounds_t.c.seq), 0))).scalar_one() + 1
            row = {"name": name, "seq": seq, "period": period, "due": due, "regions": _dumps(regions),
                   "state": "open", "opened_at": now_iso(), "opened_rev": self.revision(), "closed_at": None,
                   "closed_rev": None, "by": by}
            c.execute(rounds_t.insert().values(**row))
        return _round_row(row)

    def rounds(self) -> list[dict]:
        """Every round, in the order they were opened."""
        with self._read() as c:
            return [_round_row(dict(r)) for r in c.execute(select(rounds_t).order_by(rounds_t.c.seq)).mappings()]

    def round(self, name: str) -> dict | None:
        with self._read() as c:
            row = c.execute(select(rounds_t).where(rounds_t.c.name == name)).mappings().first()
        return _round_row(dict(row)) if row else None

    def set_round_state(self, name: str, state: str) -> dict:
        """Close a round (its snapshot: the revision now; `closed_seq`: one more than any closing before, the order
        of rounds closed at one revision) or reopen it (no snapshot until closed again)."""
        closing = state == "closed"
        with self._connect() as c:
            _lock_writes(c)  # the snapshot revision is one that was whole when the round closed, and its ordinal
            order = c.execute(select(func.coalesce(func.max(rounds_t.c.closed_seq), 0))).scalar_one() + 1
            c.execute(rounds_t.update().where(rounds_t.c.name == name).values(
                state=state, closed_at=now_iso() if closing else None, closed_rev=self.revision() if closing else None,
                closed_seq=order if closing else None))
        out = self.round(name)
        assert out is not None
        return out

    def add_round_workbook(self, round_name: str, workbook_id: str, region: str) -> None:
        with self._connect() as c:
            c.execute(round_workbooks_t.insert().values(workbook=workbook_id, round=round_name, region=region))

    def round_of_workbook(self, workbook_id: str) -> tuple[dict, str] | None:
        """The round a workbook was issued in, and its region; None for a workbook built outside any round."""
        q = (select(rounds_t, round_workbooks_t.c.region.label("workbook_region"))
             .join(round_workbooks_t, round_workbooks_t.c.round == rounds_t.c.name)
             .where(round_workbooks_t.c.workbook == workbook_id))
        with self._read() as c:
            row = c.execute(q).mappings().first()
        if row is None:
            return None
        found = dict(row)
        region = found.pop("workbook_region")
        return _round_row(found), region

    def round_workbooks(self, round_name: str) -> list[dict]:
        """The round's workbooks: {workbook, region, at (issued), path}."""
        q = (select(round_workbooks_t.c.workbook, round_workbooks_t.c.region, workbooks_t.c.at, workbooks_t.c.path)
             .join(workbooks_t, workbooks_t.c.id == round_workbooks_t.c.workbook)
             .where(round_workbooks_t.c.round == round_name).order_by(workbooks_t.c.at, round_workbooks_t.c.region))
        with self._read() as c:
            return [dict(r) for r in c.execute(q).mappings()]

    def round_revisions(self) -> dict[int, str]:
        """Every revision a round's return made, and that round's name (a revision carries its workbook)."""
        q = (select(revisions_t.c.rev, round_workbooks_t.c.round)
             .join(round_workbooks_t, round_workbooks_t.c.workbook == revisions_t.c.workbook))
        with self._read() as c:
            return {int(rev): name for rev, name in c.execute(q)}

    def attempts(self, round_name: str) -> list[dict]:
        """Every return attempt of a round, in the order they took their outcome."""
        q = select(attempts_t).where(attempts_t.c.round == round_name).order_by(attempts_t.c.ordinal)
        with self._read() as c:
            return [dict(r) for r in c.execute(q).mappings()]

    def record_attempt(self, attempt: dict) -> None:
        """Record a validate or merge of a round's workbook. The same file again (same workbook and SHA-256)
        is the same attempt: its outcome moves on (validated, then merged) but never back (a file merged,
        or refused by a merge, and checked again keeps the merge's outcome), and it becomes the region's
        latest only when its outcome changes."""
        with self._connect() as c:
            _lock_writes(c)  # the ordinal: one more than any, also with another process recording at once
            old = c.execute(select(attempts_t).where(attempts_t.c.workbook == attempt["workbook"],
                                                     attempts_t.c.sha256 == attempt["sha256"])).mappings().first()
            now = now_iso()
            ordinal = c.execute(select(func.coalesce(func.max(attempts_t.c.ordinal), 0))).scalar_one() + 1
            if old is None:
                c.execute(attempts_t.insert().values(**attempt, first_at=now, at=now, ordinal=ordinal))
                return
            if old["state"] == "merged" or (old["action"] == "merge" and attempt["action"] != "merge"):
                return
            values = dict(attempt)
            if old["state"] != attempt["state"]:
                values.update(at=now, ordinal=ordinal)
            c.execute(attempts_t.update().where(attempts_t.c.seq == old["seq"]).values(**values))


def _round_row(row: dict) -> dict:
    out = dict(row)
    out["regions"] = _loads(out["regions"]) if isinstance(out["regions"], str) else out["regions"]
    return out
