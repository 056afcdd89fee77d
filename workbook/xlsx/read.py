"""Read a returned workbook into plain data: cells by row, metadata, names. No interpretation here.

This is the only module of the round trip that touches the file. The input guard looks at every part
first (and notes formula cells and merged ranges on the way); python-calamine then reads the cell values,
many times faster than openpyxl. The few small XML parts that calamine does not expose (defined names,
document properties, sheet states, the date system) are read with defusedxml."""

from __future__ import annotations

import hashlib
import os
import posixpath
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine
from defusedxml import ElementTree

from workbook.core.errors import CwbError
from workbook.core.interrupts import as_child_of, held_for_fork
from workbook.xlsx.guard import PackageScan, Refused, check_file
from workbook.xlsx.layout import LISTS_SHEET, META_SHEET


class ReadError(CwbError):
    """The file cannot be read as a workbook (exit code 2)."""


class FormulaError(str):
    """The cached value of a formula cell that shows an error, as the official sees it: `#DIV/0!`, `#VALUE!`
    (calamine reads such a cell as empty; the guard's scan of the sheet's XML keeps the error)."""


@dataclass
class RawSheet:
    """One worksheet. Its rows are read when first asked for and can be released once used, so that a large
    workbook is never held whole in memory."""

    title: str
    state: str
    merged: list[str] = field(default_factory=list)
    loader: Callable[[], tuple[list[tuple[int, Any]], dict]] | None = None
    _rows: list[tuple[int, Any]] | None = None
    _formulas: dict[tuple[int, int], tuple[str, Any]] | None = None

    def _load(self) -> None:
        if self._rows is None:
            self._rows, self._formulas = self.loader() if self.loader else ([], {})

    @property
    def rows(self) -> list[tuple[int, Any]]:
        """(1-based row number, values from column A; "" = empty), blank rows dropped."""
        self._load()
        return self._rows

    @property
    def formulas(self) -> dict[tuple[int, int], tuple[str, Any]]:
        """(row, 0-based column) -> (formula text, cached value or None) for the sheet's formula cells; a
        `FormulaError` as the cached value of a cell that shows an error."""
        self._load()
        return self._formulas

    def release(self) -> None:
        """Drop the rows; they are read again if asked for."""
        if self.loader is not None:
            self._rows = self._formulas = None


@dataclass
class RawWorkbook:
    path: str
    sha256: str
    props: dict[str, str]
    meta: dict[str, str]
    meta_sheets: list[dict[str, str]]
    names: dict[str, str]  # defined name -> sheet title it points at
    sheets: list[RawSheet]
    epoch1904: bool = False
    closer: Callable[[], None] | None = None

    def close(self) -> None:
        """Let go of the open file behind the lazily read sheets."""
        if self.closer is not None:
            self.closer()
            self.closer = None


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_workbook(path: str | Path, checking: Callable[[], PackageScan] | None = None) -> RawWorkbook:
    """The workbook, once the input guard has passed it (`checking`: a guard begun earlier, see
    `guard.start_check`)."""
    path = Path(path)
    if not path.exists():
        raise ReadError("read_missing", path=str(path))
    try:
        scan = checking() if checking is not None else check_file(path)
    except Refused as exc:
        raise ReadError(exc.code, **exc.params) from None
    try:
        return _read(path, scan)
    except ReadError:
        raise
    except MemoryError:
        raise ReadError("read_memory", path=str(path)) from None
    except Exception as exc:  # noqa: BLE001 - whatever a damaged file makes a parser raise, it is unreadable
        raise ReadError("read_unreadable", path=str(path), why=f"{type(exc).__name__}: {exc}") from None


def read_whole(path: str | Path) -> RawWorkbook:
    """The workbook read completely, guard included: every sheet's rows loaded and the file closed, so that a
    worker process can hand the result to its caller (by pickling)."""
    raw = read_workbook(path)
    try:
        for sheet in raw.sheets:
            sheet.rows  # noqa: B018 - loads the sheet's rows and formulas
            sheet.loader = None  # read once: nothing to read again
    finally:
        raw.close()
    return raw


class ReadAhead:
    """A folder of files read in a worker process ahead of the caller: while one file is validated and merged,
    the next passes the guard and calamine (two cores instead of one). The worker is a plain child process with
    a pipe each way, not a pool: it ignores Ctrl-C and ends with its parent, and `close` can end it at any moment
    (a pool's worker ended while it sends a result leaves the pool waiting for the rest of it for ever). A worker
    that dies on a file (out of memory, say) makes that file unreadable and is replaced for the files after it."""

    def __init__(self, paths: list[str], window: int = 2):
        self.paths, self.window = paths, window
        self.worker: Any = None
        self._start(0)  # the worker is forked now, before the caller opens its store connection

    def _start(self, index: int) -> None:
        """A new worker, asked for the files from `index` on."""
        import multiprocessing

        context = multiprocessing.get_context("fork")
        tasks, self.tasks = context.Pipe(duplex=False)
        self.results, results = context.Pipe(duplex=False)
        self.worker = context.Process(target=_read_for_parent, daemon=True,
                                      args=(tasks, results, (self.tasks, self.results), os.getpid()))
        with held_for_fork():  # it must never see a Ctrl-C: its parent ends it
            self.worker.start()
        tasks.close()
        results.close()  # the parent's copy closed: a worker that dies mid-result is an end of file, not a wait
        self.asked = self.answered = index  # files asked of it, and answered, so far (as indexes)
        self._ask(index)

    def _ask(self, index: int) -> None:
        while self.asked < min(index + self.window + 1, len(self.paths)):
            self.tasks.send(self.paths[self.asked])
            self.asked += 1

    def reading(self, index: int) -> Callable[[], RawWorkbook]:
        """The file at `index`, once read (the call waits for it); the next ones are started meanwhile."""
        if self.worker is None:  # the worker died on an earlier file: another reads the files after it
            self._start(index)
        self._ask(index)
        return lambda: self._result(index)

    def _result(self, index: int) -> RawWorkbook:
        while True:
            try:
                ok, value = self.results.recv()
            except EOFError:  # the worker died, on this file or one before it nobody waited for
                self._end()
                raise ReadError("read_worker_died", path=self.paths[index]) from None
            self.answered += 1
            if self.answered - 1 == index:
                if ok:
                    return value
                raise value
            # an earlier file's answer, no longer wanted (its check went another way): dropped

    def _end(self, abandon: bool = False) -> None:
        if self.worker is None:
            return
        self.tasks.close()  # an idle worker ends on this; a busy one at its next answer
        self.results.close()
        if abandon:
            self.worker.terminate()
        self.worker.join()
        self.worker = None

    def close(self, abandon: bool = False) -> None:
        """End the worker; `abandon` (the caller was interrupted, or failed): now, not after the file it reads."""
        self._end(abandon)


def _read_for_parent(tasks: Any, results: Any, parents_ends: tuple[Any, ...], parent: int) -> None:
    """The read-ahead worker: read each file asked for and send back the workbook or the error, until the parent
    closes its end of either pipe (the copies of the parent's ends it was forked with closed, so that it sees)."""
    as_child_of(parent)
    for end in parents_ends:
        end.close()
    while True:
        try:
            path = tasks.recv()
        except EOFError:
            return
        try:
            outcome = (True, read_whole(path))
        except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
            outcome = (False, exc)
        try:
            results.send(outcome)
        except OSError:  # the parent stopped listening
            return


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(el, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (r:id, for one)."""
    for key, value in el.attrib.items():
        if _local(key) == name:
            return value
    return None


def _sheet_of_reference(text: str) -> str | None:
    """The sheet a defined name points at: `'许昌市-集群清单'!$A$1` -> 许昌市-集群清单."""
    text = text.strip().lstrip("=")
    if "!" not in text:
        return None
    sheet = text.rsplit("!", 1)[0]
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet


def _package(path: Path) -> tuple[list[dict], dict[str, str], dict[str, str], bool]:
    """Sheets (name, state, part), defined names, custom properties and the date system."""
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        workbook = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels_path = "xl/_rels/workbook.xml.rels"
        targets = {}
        if rels_path in names:
            for rel in ElementTree.fromstring(z.read(rels_path)):
                target = rel.get("Target") or ""
                part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                targets[rel.get("Id")] = part
        props = {}
        if "docProps/custom.xml" in names:
            for prop in ElementTree.fromstring(z.read("docProps/custom.xml")):
                value = next((child.text for child in prop), None)
                if prop.get("name"):
                    props[prop.get("name")] = "" if value is None else value.strip()
    sheets, defined, epoch1904 = [], {}, False
    for el in workbook.iter():
        tag = _local(el.tag)
        if tag == "sheet":
            sheets.append({"name": el.get("name"), "state": el.get("state") or "visible",
                           "part": targets.get(_attr(el, "id") or "")})
        elif tag == "definedName" and el.get("name") and el.text and el.get("localSheetId") is None:
            sheet = _sheet_of_reference(el.text)
            if sheet:
                defined[el.get("name")] = sheet
        elif tag == "workbookPr":
            epoch1904 = (el.get("date1904") or "").lower() in ("1", "true")
    return sheets, defined, props, epoch1904


def _rows(values: list[list[Any]]) -> list[tuple[int, list[Any]]]:
    """Rows with anything in them, numbered from 1; calamine's "" for an empty cell stays (it means None)."""
    return [(r, row) for r, row in enumerate(values, start=1) if row.count("") != len(row)]


def _cell_index(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters):]), col - 1


def _read(path: Path, scan: PackageScan) -> RawWorkbook:
    sheets_info, defined, props, epoch1904 = _package(path)
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    meta: dict[str, str] = {}
    meta_sheets: list[dict[str, str]] = []
    sheets: list[RawSheet] = []
    try:
        available = set(book.sheet_names)
        for info in sheets_info:
            title = info["name"]
            if title not in available or title == LISTS_SHEET:
                continue
            if title == META_SHEET:
                for row in book.get_sheet_by_name(title).to_python(skip_empty_area=False):
                    if not row or row[0] in ("", None):
                        continue
                    cells = ["" if v is None else str(v) for v in row]
                    if cells[0] == "sheet" and len(cells) >= 4:
                        meta_sheets.append({"name": cells[1], "kind": cells[2], "region": cells[3]})
                    elif len(cells) >= 2:
                        meta[cells[0]] = cells[1]
                continue
            part = scan.parts.get(info["part"] or "")
            sheets.append(RawSheet(title, info["state"], list(part.merged) if part else [],
                                   loader=_sheet_loader(book, title, part)))
    except Exception:
        book.close()
        raise
    return RawWorkbook(str(path), file_sha256(path), props, meta, meta_sheets, defined, sheets, epoch1904,
                       closer=book.close)


def _sheet_loader(book: Any, title: str, part: Any) -> Callable[[], tuple[list, dict]]:
    def load() -> tuple[list, dict]:
        try:
            values = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 - a sheet that cannot be read makes the file unreadable
            raise ReadError("read_sheet", path=str(book.path), sheet=title,
                            why=f"{type(exc).__name__}: {exc}") from None
        rows = _rows(values)
        formulas = {}
        if part and part.formulas:
            present = {r for r, _ in rows}
            for ref, text in part.formulas.items():
                r, c = _cell_index(ref)
                cached = values[r - 1][c] if r - 1 < len(values) and c < len(values[r - 1]) else None
                if cached in ("", None) and ref in part.errors:
                    cached = FormulaError(part.errors[ref])
                formulas[(r, c)] = (text, None if cached == "" else cached)
                if r not in present:  # a formula without a value still makes its row a row
                    rows.append((r, [""] * (c + 1)))
                    present.add(r)
            rows.sort(key=lambda item: item[0])
        return rows, formulas
    return load
