"""The input guard: look at a returned file before any reader parses it, in bounded time and memory.

Refuses, with one line naming the file and the reason: oversized files; zip bombs (entry count, total
uncompressed size, compression ratio); XML with a DTD or entities (billion laughs, external entities);
encrypted or password-protected files; legacy .xls, .xlsb, macro-enabled files; CSV or other files renamed
.xlsx; truncated or damaged zips; absurd sheet extents, merged ranges and shared-string counts (a few such
bytes make a reader allocate the whole rectangle and exhaust memory)."""

from __future__ import annotations

import multiprocessing
import os
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workbook.core.errors import CwbError
from workbook.core.interrupts import as_child_of, held_for_fork


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = _env_int("CLUSTER_WB_MAX_FILE_MB", 200) * 1024 * 1024
    max_entries: int = 10_000
    max_uncompressed: int = _env_int("CLUSTER_WB_MAX_UNZIPPED_MB", 4096) * 1024 * 1024
    max_ratio: float = 250.0          # uncompressed / compressed, for entries over ratio_floor
    ratio_floor: int = 4 * 1024 * 1024
    max_cells: int = _env_int("CLUSTER_WB_MAX_CELLS", 60_000_000)
    max_rows: int = 1_048_576
    max_cols: int = 16_384
    max_rectangle: int = 20_000_000  # used rows × used columns of one sheet (a reader allocates all of it)
    max_merged_cells: int = 1_000_000
    max_shared_strings: int = 20_000_000


LIMITS = Limits()


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


LARGE_REF = re.compile(rb'r="(?:[A-Z]{3}|[A-Z]{0,2}[0-9]{5})')


CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,4})([0-9]{1,8})"')


MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,4})([0-9]{1,8}):([A-Z]{1,4})([0-9]{1,8})"')


UNIQUE_COUNT = re.compile(rb'uniqueCount="([0-9]+)"')


FORMULA_CELL = re.compile(  # a cell and its <f> element, whole (its text is kept to 200 characters)
    rb'<(?:\w+:)?c\b([^>]*?)\br="([A-Z]{1,4}[0-9]{1,8})"([^>]*)>\s*<(?:\w+:)?f\b[^>]*?(/?)>([^<]*)')


FORMULA_VALUE = re.compile(rb"(?:</(?:\w+:)?f>)?\s*<(?:\w+:)?v>([^<]{0,64})")  # matched where the <f> ends


ERROR_TYPE = re.compile(rb"""\bt=["']e["']""")  # a cell whose value is an error (#DIV/0!, #VALUE! …)


DANGEROUS_XML = (b"<!DOCTYPE", b"<!ENTITY")


ROOT_START = re.compile(rb"<(?![?!])")


ROOT_NAME = re.compile(rb"<([^\s>/]+)")


class Refused(CwbError):
    """The file is refused before parsing; the message says why and what to do."""


@dataclass
class PartScan:
    """What the single pass over a worksheet part found besides safety: formula cells and merged ranges."""

    cells: int = 0
    formulas: dict[str, str] = field(default_factory=dict)  # "M5" -> formula text (possibly cut short)
    errors: dict[str, str] = field(default_factory=dict)  # "M5" -> the error its formula shows: "#DIV/0!"
    merged: list[str] = field(default_factory=list)


@dataclass
class PackageScan:
    parts: dict[str, PartScan] = field(default_factory=dict)  # zip path of each worksheet -> its scan


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return True
    for enc in ("utf-8-sig", "gb18030", "utf-16"):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            continue
        printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t")
        return printable >= 0.95 * len(text)
    return False


def check_file(path: str | Path, limits: Limits = LIMITS) -> PackageScan:
    """Raise `Refused` if the file must not be handed to a reader; else return what the pass found."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise Refused("guard_unopenable", path=name, why=exc.strerror) from None
    if size > limits.max_file_bytes:
        raise Refused("guard_too_large", path=name, mb=size / 1048576, limit=limits.max_file_bytes // 1048576)
    if head.startswith(OLE_MAGIC):
        with open(path, "rb") as fh:
            blob = fh.read(min(size, 4 * 1024 * 1024))
        if "EncryptionInfo".encode("utf-16-le") in blob or "EncryptedPackage".encode("utf-16-le") in blob:
            raise Refused("guard_encrypted", path=name)
        raise Refused("guard_xls", path=name)
    if not head.startswith(b"PK"):
        if head.startswith(b"%PDF"):
            code = "guard_pdf"
        elif _looks_like_text(head):
            code = "guard_text_renamed" if path.suffix.lower() in (".xlsx", ".xlsm") else "guard_text"
        else:
            code = "guard_not_excel"
        raise Refused(code, path=name)
    try:
        with zipfile.ZipFile(path) as z:
            return _check_zip(z, name, limits)
    except zipfile.BadZipFile as exc:
        raise Refused("guard_damaged_zip", path=name, why=str(exc)) from None
    except (EOFError, OSError, RuntimeError, NotImplementedError, ValueError, zlib.error) as exc:
        raise Refused("guard_unpack", path=name, why=f"{type(exc).__name__}: {exc}") from None


def goes_aside(path: str | Path, aside_from: int | None = None) -> bool:
    """Whether `start_check` checks this file in a child process (a large file: 1 MB or more by default)."""
    if aside_from is None:
        aside_from = _env_int("CLUSTER_WB_GUARD_ASIDE_BYTES", 1 << 20)
    try:
        return os.path.getsize(path) >= aside_from
    except OSError:
        return False


def start_check(path: str | Path, limits: Limits = LIMITS, aside_from: int | None = None) -> Callable[[], PackageScan]:
    """Begin `check_file` in a child process, so that the caller can read the store meanwhile (the check is
    bound by decompression and byte scanning, which threads would not overlap); the function returned waits
    and gives the scan, or raises `Refused`. A file under `aside_from` bytes (default 1 MB, or
    CLUSTER_WB_GUARD_ASIDE_BYTES), where forking costs more than it saves, or a system that cannot fork, is
    checked on that call instead."""
    try:
        if not goes_aside(path, aside_from):
            raise ValueError("small file")
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_check_in_child, args=(str(path), limits, send, os.getpid()), daemon=True)
        with held_for_fork():  # the child must never see a Ctrl-C: its parent ends it
            child.start()
    except (ValueError, OSError, AssertionError):  # AssertionError: we are a daemon process, which may not fork
        return lambda: check_file(path, limits)
    send.close()

    def result() -> PackageScan:
        try:
            ok, value = receive.recv()
        except EOFError:
            child.join()
            raise Refused("guard_died", path=str(path), code=child.exitcode) from None
        except BaseException:  # interrupted (Ctrl-C) while waiting: the check is not wanted any more
            child.terminate()
            child.join()
            raise
        finally:
            receive.close()
        child.join()
        if ok:
            return value
        raise value

    return result


def _check_in_child(path: str, limits: Limits, send, parent: int) -> None:
    as_child_of(parent)
    try:
        outcome = (True, check_file(path, limits))
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        outcome = (False, exc)
    try:
        send.send(outcome)
        send.close()
    except OSError:  # the parent stopped waiting (interrupted): nobody to tell
        pass


def _check_zip(z: zipfile.ZipFile, name: str, limits: Limits) -> PackageScan:
    infos = z.infolist()
    if len(infos) > limits.max_entries:
        raise Refused("guard_too_many_parts", path=name, parts=len(infos), limit=limits.max_entries)
    names = {i.filename for i in infos}
    if "xl/workbook.bin" in names:
        raise Refused("guard_xlsb", path=name)
    if "xl/workbook.xml" not in names:
        raise Refused("guard_zip_not_excel", path=name)
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise Refused("guard_macros", path=name)
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed:
        raise Refused("guard_zip_bomb", path=name, mb=total / 1048576, limit=limits.max_uncompressed // 1048576)
    for info in infos:
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise Refused("guard_ratio", path=name, part=info.filename,
                          ratio=info.file_size // max(info.compress_size, 1))
        if info.flag_bits & 0x1:
            raise Refused("guard_part_encrypted", path=name, part=info.filename)
    cells = 0
    scan = PackageScan()
    for info in infos:
        lower = info.filename.lower()
        if not (lower.endswith(".xml") or lower.endswith(".rels") or lower.endswith(".vml")):
            continue
        is_sheet = lower.startswith("xl/worksheets/") and lower.endswith(".xml")
        is_strings = lower == "xl/sharedstrings.xml"
        part = _scan_part(z, info, name, limits, is_sheet, is_strings)
        if is_sheet:
            scan.parts[info.filename] = part
        cells += part.cells
        if cells > limits.max_cells:
            raise Refused("guard_too_many_cells", path=name, limit=limits.max_cells)
    return scan


def _tag_boundary(data: bytes, keep: int = 512, look: int = 65536, prefixed: bool = False) -> int:
    """Where to stop this round: before a cell tag near the end (`<x:c …>` in a sheet whose tags carry a prefix),
    else before any tag, leaving `keep` bytes. A cell is never cut between its formula and its value."""
    limit = max(len(data) - keep, 0)
    start = max(0, limit - look)
    cut = data.rfind(b"<c", start, limit)
    if prefixed and (colon := data.rfind(b":c ", start, limit)) > 0:
        cut = max(cut, data.rfind(b"<", start, colon))
    return cut if cut > 0 else max(data.rfind(b"<", start, limit), 0) or limit


def _scan_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits, is_sheet: bool,
               is_strings: bool) -> PartScan:
    """Stream one XML part once: DTDs and entities, and for sheets the extent of cells and merged ranges."""
    part = PartScan()
    cells = 0
    max_row = max_col = 0
    merged = 0
    tail = b""
    read = 0
    in_prolog, prefixed = True, False
    with z.open(info) as fh:
        while True:
            chunk = fh.read(1 << 20)
            final = not chunk
            read += len(chunk)
            if read > info.file_size + 1024:  # a lying header: more data than declared
                raise Refused("guard_part_lies", path=name, part=info.filename)
            data = tail + chunk
            if in_prolog:
                # a DTD (and so any entity) can only stand in the prolog, before the root element
                root = ROOT_START.search(data)
                head = data if root is None else data[: root.start()]
                for bad in DANGEROUS_XML:
                    if bad in head:
                        raise Refused("guard_dtd", path=name, part=info.filename)
                if root is not None:
                    in_prolog = False
                    tag = ROOT_NAME.match(data, root.start())
                    prefixed = bool(tag) and b":" in tag.group(1)  # <x:worksheet …>, not xmlns:r="…"
            if is_strings and read <= (1 << 20):
                m = UNIQUE_COUNT.search(data)
                if m and int(m.group(1)) > min(limits.max_shared_strings, info.file_size // 7 + 16):
                    raise Refused("guard_shared_strings", path=name, count=int(m.group(1)))
            if not is_sheet:
                if final:
                    break
                tail = data[-16:]
                continue
            # cut at the start of a tag, so no element we look for straddles two rounds; the rest waits
            cut = len(data) if final else _tag_boundary(data, prefixed=prefixed)
            window = data[:cut]
            tail = data[cut:]
            # the extent: only references with a 5-digit row or a 3-letter column can make it large, and
            # ordinary sheets have none, so the exact walk over every reference is needed only then (or when
            # some cell's `r` is not its first attribute, or the tags carry a namespace prefix)
            opened = window.count(b"<c ")
            cells += opened + (window.count(b"<c>") if b"<c>" in window else 0)
            if prefixed:  # <x:worksheet …>: cells are <x:c …>
                cells += window.count(b":c ")
            if LARGE_REF.search(window) or prefixed or opened != window.count(b'<c r="'):
                refs = CELL_REF.findall(window)
                if refs:
                    letters, numbers = zip(*refs, strict=True)
                    rows = max(map(int, numbers))
                    cols = max(map(_col_number, set(letters)))
                    if rows > limits.max_rows or cols > limits.max_cols:
                        raise Refused("guard_cell_off_grid", path=name, part=info.filename)
                    max_row, max_col = max(max_row, rows), max(max_col, cols)
            elif b"<c " in window:
                max_row, max_col = max(max_row, 9_999), max(max_col, 702)  # the most such references can span
            for m in (MERGE_REF.finditer(window) if b"mergeCell" in window else ()):
                rows = abs(int(m.group(4)) - int(m.group(2))) + 1
                cols = abs(_col_number(m.group(3)) - _col_number(m.group(1))) + 1
                merged += rows * cols
                part.merged.append(m.group(0).split(b'ref="')[1].split(b'"')[0].decode())
                if merged > limits.max_merged_cells:
                    raise Refused("guard_merged", path=name, part=info.filename, limit=limits.max_merged_cells)
            for m in (FORMULA_CELL.finditer(window) if b"<f" in window or (prefixed and b":f" in window) else ()):
                text = "" if m.group(4) else m.group(5)[:200].decode("utf-8", "replace")
                ref = m.group(2).decode()
                part.formulas[ref] = "=" + text if text else "="
                if ERROR_TYPE.search(m.group(1) + m.group(3)) and (v := FORMULA_VALUE.match(window, m.end())):
                    part.errors[ref] = v.group(1).decode("utf-8", "replace").strip()  # calamine reads it as empty
            if final:
                break
        if is_sheet and max_row * max_col > limits.max_rectangle:
            raise Refused("guard_span", path=name, part=info.filename, rows=max_row, cols=max_col)
    part.cells = cells
    return part
