"""The workbook's layout contract: what the writer puts where and the reader looks for, in one place.

`build` writes it, `read` and `validate` read it back (neither imports the other): the hidden sheets, the
defined names that follow a data sheet through renames, the metadata keys and their document properties, how a
stored value is shown in a cell, and the property that marks a read-only document (a report, a tracker)."""

from __future__ import annotations

import re

META_SHEET = "_cwb_meta"  # very hidden: the workbook's identity and its sheets (title, kind, region)


LISTS_SHEET = "_cwb_lists"  # hidden: the dropdowns' values, each list behind a defined name


PROPERTY_PREFIX = "cwb_"  # the identity again, as custom document properties (a re-save keeps one or the other)


IDENTITY_KEYS = ("workbook_id", "revision", "schema_version", "regions")  # compared between the two copies


DOCUMENT_PROPERTY = "cwb_document"  # "report" or "tracker": a document to read, not a workbook to return


def defined_name(kind: str, region: str) -> str:
    """The workbook-level name that follows a data sheet through renames (Excel and LibreOffice update it)."""
    return "_cwb_" + kind + "_" + re.sub(r"[^A-Za-z0-9_]", "_", region)


def column_letter(number: int) -> str:
    """The letters of a 1-based column number: 1 -> A, 27 -> AA (without importing openpyxl for it)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def last_row_of(cell_range: str) -> int:
    """The last row a range such as "B2:D7" covers (7); a whole-column range ("A:C") covers every row."""
    last = cell_range.split(":")[-1].lstrip("$")
    digits = "".join(ch for ch in last if ch.isdigit())
    return int(digits) if digits else 1_048_576
