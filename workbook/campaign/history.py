"""How each region did in each round: merged on time, late, or missing, from plain data (no store, no files).

One rule for the tracker's record of a region over the last rounds and for the report's trends, so that the two
never disagree: a region counts in a round only if the round issued it a workbook; it is merged when its state
(its latest attempt, as the tracker says) is merged, on time when its first merge fell on or before the due date
(the machine's local date), late after it. Not merged is `missing` once the due date has passed or the round is
closed, `pending` before."""

from __future__ import annotations

from datetime import date, datetime

OUTCOMES = ("on_time", "late", "missing", "pending")


RECORD_ROUNDS = 5  # the tracker's record: this round and up to four opened before it


def local_date(iso: str) -> date:
    """The machine's local date of a stored time (ISO 8601 with its offset; without one, already local)."""
    at = datetime.fromisoformat(iso)
    return (at.astimezone() if at.tzinfo else at).date()


def outcomes(rnd: dict, issued: list[str], attempts: list[dict], today: date) -> dict[str, str]:
    """Region -> outcome in one round, for the regions it issued a workbook to (in `issued` order)."""
    due = date.fromisoformat(rnd["due"])
    latest: dict[str, dict] = {}
    first_merge: dict[str, str] = {}
    for a in attempts:
        held = latest.get(a["region"])
        if held is None or a["ordinal"] > held["ordinal"]:
            latest[a["region"]] = a
        if a["state"] == "merged" and (a["region"] not in first_merge or a["at"] < first_merge[a["region"]]):
            first_merge[a["region"]] = a["at"]
    passed = rnd["state"] == "closed" or today > due
    out = {}
    for rid in issued:
        last = latest.get(rid)
        if last is not None and last["state"] == "merged":
            out[rid] = "on_time" if local_date(first_merge[rid]) <= due else "late"
        else:
            out[rid] = "missing" if passed else "pending"
    return out


def counts(issued: list[str], attempts: list[dict], outcome: dict[str, str]) -> dict[str, int]:
    """A round's return counts over the regions it issued: the contract's `rounds` entry's numbers."""
    wanted = set(issued)
    tried = {a["region"] for a in attempts if a["region"] in wanted}
    on_time = sum(1 for r in issued if outcome[r] == "on_time")
    late = sum(1 for r in issued if outcome[r] == "late")
    return {"issued": len(issued), "returned": len(tried), "merged_on_time": on_time, "merged_late": late,
            "not_merged": len(issued) - on_time - late}


def record(rounds: list[tuple[dict, dict[str, str]]], region: str) -> list[dict]:
    """A region's record over rounds (oldest first), each the round's name and the region's outcome; rounds that
    did not issue it are left out (not a miss)."""
    return [{"round": rnd["name"], "outcome": outcome[region]} for rnd, outcome in rounds if region in outcome]


def outcome_text(entries: list[dict], lang: str) -> str:
    """A region's record in a few words, oldest first: 准 准 迟 / ok ok late."""
    from workbook.core.messages import ROUND_WORDS

    words = ROUND_WORDS["outcome"][lang if lang in ("zh", "en") else "zh"]
    return " ".join(words[e["outcome"]] for e in entries)
