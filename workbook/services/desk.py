"""The returns desk behind the portal's pages (issue 22): an office uploads its region's return and gets, at
once, the verdict, every issue at its cell and an annotated copy; the file is kept (its SHA-256, its bytes, what
checking found); the office submits it, which is the merge of the command line; the coordinator reads every
region's returns and sends comments that the office sees.

Every function takes the account's `Scope` and keeps to it here, once, for the pages and anything else that may
come: an upload is seen, downloaded or submitted only by an account whose scope holds every region of its
workbook; a region's page only within scope; comments are written by coordinators only. Validation and merge are
`round_trip`'s, so the portal checks exactly what `validate` and `merge` check."""

from __future__ import annotations

import hashlib
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from workbook.core.errors import Throttled, Unknown, UsageError
from workbook.core.scope import Scope
from workbook.services import campaign, round_trip
from workbook.services.round_trip import FileResult
from workbook.store import Store
from workbook.store.tables import now_iso

LANGS = ("zh", "en")
MAX_COMMENT_CHARS = 2000
UPLOADS_PER_HOUR = 30  # an office correcting its return sends it a few times an hour, not this many ...
UPLOAD_MB_PER_DAY = 500  # ... and every file is kept: one account cannot fill the store's disk
ANNOTATED_SUFFIX = {"zh": "-校验", "en": "-checked"}


def _issue_rows(result: FileResult, lang: str) -> list[dict]:
    """The file's issues in `lang`, each with the title its column shows in the workbook (`column`)."""
    titles = result.book_titles(lang)
    rows = []
    for issue in result.issues:
        row = issue.to_json(lang)
        row["column"] = titles.get((issue.sheet, issue.field), issue.field or "") if issue.field else ""
        rows.append(row)
    return rows


def _check_doc(result: FileResult, lang: str) -> dict:
    return {"ok": result.ok, "errors": result.errors,
            "warnings": result.checked.warnings if result.checked else 0, "issues": _issue_rows(result, lang)}


def _merge_doc(result: FileResult, lang: str) -> dict:
    """`merge --format json` of the file, its issues and conflicts naming their columns as the workbook does."""
    doc = result.merge_json(lang)
    doc["issues"] = _issue_rows(result, lang)
    if result.checked is not None:
        titles = result.book_titles(lang)
        for conflict in doc["conflicts"]:
            conflict["column"] = titles.get((conflict["sheet"], conflict["field"]), conflict["field"] or "")
    doc.pop("path", None)
    return doc


def check_upload(st: Store, path: str, name: str, *, scope: Scope, lang: str) -> dict:
    """Validate an uploaded return as `validate` does (a return attempt of its round, by the account), write its
    annotated copy if anything was found, and keep the files with what was found; returns the upload as its page
    shows it. A file that is not a workbook this store issued is not kept: `{"rejected": CODE, "message": ...}`.
    A workbook of a region outside `scope` is refused (`Forbidden`) before anything is checked or kept."""
    _ensure_quota(st, scope.actor, Path(path).stat().st_size)
    [result] = round_trip.validate_files(st, [path], lang, scope=scope, names={path: name}, record=False)
    if result.rejected or result.checked is None:
        return {"rejected": result.rejected_code or "not_ours", "message": result.rejected}
    content = Path(path).read_bytes()
    sha256 = hashlib.sha256(content).hexdigest()
    annotated, annotated_sha = None, None
    if result.issues:  # a clean return needs no marked copy (writing one costs more than checking the file)
        with tempfile.TemporaryDirectory(prefix="cwb-annotate-") as folder:
            marked = Path(folder) / "annotated.xlsx"
            round_trip.annotate_file(result, str(marked), lang)  # in the language the office uploaded it in
            annotated = marked.read_bytes()
        annotated_sha = hashlib.sha256(annotated).hexdigest()
    issued = st.workbook(result.checked.identity.workbook_id) or {}
    result_docs: dict = {lg: _check_doc(result, lg) for lg in LANGS}
    result_docs["annotated_lang"] = lang  # the copy's language, which names the file it is saved as
    with st.transaction():  # the attempt and the upload in one commit: one wait for the disk, not two
        st.lock_writes()  # two offices sending one file at once: one copy of its bytes
        round_trip.record_attempt(st, result, by=scope.actor)
        upload = {"at": now_iso(), "by": scope.actor, "file": name, "sha256": sha256, "size": len(content),
                  "workbook": result.checked.identity.workbook_id, "round": result.round,
                  "regions": list(issued.get("regions") or result.checked.identity.regions),
                  "ok": result.ok, "errors": result.errors, "warnings": result.checked.warnings,
                  "result": result_docs, "annotated": annotated_sha}
        st.keep_file(sha256, content)
        if annotated is not None:
            st.keep_file(annotated_sha, annotated)
        seq = st.add_upload(upload)
    return {"rejected": None, "upload": _view(st, {**upload, "seq": seq, "merged_at": None, "merged_by": None,
                                                   "revision": None, "merge_result": None}, [])}


def _ensure_quota(st: Store, actor: str, size: int) -> None:
    """Refuse (429) an upload past the account's hourly count or daily volume: every upload is kept."""
    now = datetime.now(UTC)

    def since(span: timedelta) -> str:  # in the zone `at` is kept in (`now_iso`): strings compare as times do
        return (now - span).astimezone().isoformat(timespec="seconds")

    day = st.uploads_by(actor, since(timedelta(days=1)))  # (at, size) of the last day's: the hour's among them
    hour_from = since(timedelta(hours=1))
    if sum(1 for at, _size in day if at >= hour_from) >= UPLOADS_PER_HOUR:
        raise Throttled("desk_upload_quota", count=UPLOADS_PER_HOUR, retry_after=3600)
    if sum(n for _at, n in day) + size > UPLOAD_MB_PER_DAY * 1024 * 1024:
        raise Throttled("desk_upload_volume", mb=UPLOAD_MB_PER_DAY, retry_after=3600)


def _visible(st: Store, seq: int, scope: Scope) -> dict:
    """An upload the scope may see: every region of its workbook in scope."""
    upload = st.upload(seq)
    if upload is None:
        raise Unknown("desk_no_upload", n=seq)
    scope.ensure(upload["regions"], "forbidden_upload", n=seq)
    return upload


def upload(st: Store, seq: int, *, scope: Scope) -> dict:
    """An upload as the pages show it: who sent which file when, what checking found (both languages), its
    submission, and the comments on it."""
    with st.reading():
        found = _visible(st, seq, scope)
        return _view(st, found, [c for c in st.comments(found["regions"]) if c["upload"] == seq])


def _view(st: Store, found: dict, comments: list[dict]) -> dict:
    """An upload with its comments and its regions' names, as its page shows it."""
    regions = {rid: rec for rid, rec in st.regions().items() if rid in found["regions"]}
    names = {r: {"name_zh": regions.get(r, {}).get("name_zh"), "name_en": regions.get(r, {}).get("name_en")}
             for r in found["regions"]}
    return {**found, "comments": comments, "names": names}


def upload_file(st: Store, seq: int, which: str, *, scope: Scope, lang: str) -> tuple[bytes, str]:
    """The bytes of an upload as received (`original`) or its annotated copy, and the name to save it by."""
    with st.reading():
        found = _visible(st, seq, scope)
        sha = found["sha256"] if which == "original" else found["annotated"]
        content = st.file_content(sha) if sha else None
    if content is None:
        raise Unknown("desk_no_upload", n=seq)
    name = found["file"]
    if which != "original":
        stem = name[:-5] if name.lower().endswith(".xlsx") else name
        name = f"{stem}{ANNOTATED_SUFFIX[found['result'].get('annotated_lang', lang)]}.xlsx"
    return content, name


def submit(st: Store, seq: int, *, scope: Scope, lang: str) -> dict:
    """Merge a kept upload, as `merge` merges a file: all of it or nothing, conflicts explained, under the
    account's name. The outcome is kept on the upload (both languages) and returned."""
    with st.reading():
        found = _visible(st, seq, scope)
        content = st.file_content(found["sha256"])
    if content is None:
        raise Unknown("desk_no_upload", n=seq)
    with tempfile.TemporaryDirectory(prefix="cwb-submit-") as folder:
        path = str(Path(folder) / "upload.xlsx")
        Path(path).write_bytes(content)
        [result] = round_trip.merge_files(st, [path], dry_run=False, scope=scope, lang=lang,
                                          names={path: found["file"]})
    if result.rejected:  # the store changed under it since (the workbook's record gone): said, not kept
        return {"rejected": result.rejected_code, "message": result.rejected}
    outcome = {lg: _merge_doc(result, lg) for lg in LANGS}
    st.set_upload_merge(seq, by=scope.actor, revision=result.revision, result=outcome)
    return {"rejected": None, "upload": seq, "applied": result.applied, "revision": result.revision}


def home(st: Store, *, scope: Scope, round_name: str | None = None, today: date | None = None) -> dict:
    """The first page: the tracker of the round (default: the one opened last) for the account's regions, each
    row with its days left and whether a comment came after its last upload (returned with comments); None for
    `tracker` while no round was ever opened; and the account's latest uploads."""
    try:
        tracker = campaign.round_status(st, round_name, today, scope=scope)
    except Unknown as exc:
        if exc.code != "usage_no_round":
            raise
        tracker = None
    with st.reading():
        mine = scope.only(st.regions())
        uploads = [u for u in st.uploads(mine, limit=500) if not scope.outside(u["regions"])]
        comments = st.comments(mine, limit=500)
    last_upload: dict[str, str] = {}
    for u in uploads:
        for r in u["regions"]:
            last_upload.setdefault(r, u["at"])
    last_comment: dict[str, dict] = {}
    for c in comments:
        last_comment.setdefault(c["region"], c)
    due = date.fromisoformat(tracker["round"]["due"]) if tracker else None
    for row in tracker["regions"] if tracker else []:
        row["days_left"] = (due - (today or date.today())).days if due else None
        comment = last_comment.get(row["region"])
        row["commented"] = bool(comment and comment["at"] >= last_upload.get(row["region"], ""))
    return {"tracker": tracker, "uploads": uploads[:20], "coordinator": scope.all_regions}


def region(st: Store, region_id: str, *, scope: Scope, round_name: str | None = None,
           today: date | None = None) -> dict:
    """A region's page: its row of the tracker, its uploads (the files kept, newest first) and the comments
    on its returns. A region outside `scope` is refused before anything of it is read."""
    scope.ensure([region_id], "forbidden_region")
    with st.reading():
        known = st.regions()
    if region_id not in known:
        raise Unknown("desk_no_region", region=region_id)
    row = None
    try:
        tracker = campaign.round_status(st, round_name, today, scope=Scope(scope.actor, scope.role,
                                                                            frozenset([region_id])))
        row = next((r for r in tracker["regions"] if r["region"] == region_id), None)
        rnd = tracker["round"]
    except Unknown as exc:
        if exc.code != "usage_no_round":
            raise
        rnd = None
    with st.reading():
        uploads = [u for u in st.uploads([region_id]) if not scope.outside(u["regions"])]
        comments = _unlinked(st.comments([region_id]), {u["seq"] for u in uploads}, scope, st)
    return {"region": region_id, "name_zh": known[region_id].get("name_zh"),
            "name_en": known[region_id].get("name_en"), "round": rnd, "row": row, "uploads": uploads,
            "comments": comments, "coordinator": scope.all_regions}


def _unlinked(comments: list[dict], seen: set[int], scope: Scope, st: Store) -> list[dict]:
    """Comments as the scope may read them: a comment on an upload the scope cannot open (a workbook of several
    regions, some not its own) keeps its text, for its region, without the link."""
    out = []
    for c in comments:
        if c["upload"] is not None and c["upload"] not in seen:
            found = st.upload(c["upload"])
            if found is None or scope.outside(found["regions"]):
                c = {**c, "upload": None}
        out.append(c)
    return out


def add_comment(st: Store, region_id: str, text: str, *, scope: Scope, upload_seq: int | None = None) -> int:
    """A coordinator's comment on a region's return (on one upload, if given), which the office sees on its
    pages. Offices do not write comments."""
    scope.ensure_all("forbidden_comment")
    text = (text or "").strip()
    if not text:
        raise UsageError("desk_comment_empty")
    if len(text) > MAX_COMMENT_CHARS:
        raise UsageError("desk_comment_long", limit=MAX_COMMENT_CHARS)
    with st.transaction():
        if region_id not in st.regions():
            raise Unknown("desk_no_region", region=region_id)
        if upload_seq is not None:
            found = st.upload(upload_seq)
            if found is None or region_id not in found["regions"]:
                raise Unknown("desk_no_upload", n=upload_seq)
        rounds = [r for r in st.rounds() if region_id in r["regions"]]
        return st.add_comment(round_name=rounds[-1]["name"] if rounds else None, region=region_id,
                              upload=upload_seq, by=scope.actor, text=text)
