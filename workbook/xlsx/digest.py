"""Fingerprints of data rows as a reader gets them back from the file.

The builder records one per row it writes; the validator computes the same over the cells it reads. A
row whose fingerprint is the one issued for its record, on its region's sheet, is the issued row cell for
cell, so it changes nothing and needs neither normalising nor checking field by field: most rows of a
returned workbook are such rows. Any difference at all (a value, its type, a number's last digit) makes the
fingerprints differ, and the row is read the ordinary way."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from typing import Any

import orjson

EXACT_INT = 2**53  # every integer below it in size is a float exactly, and has at most 16 digits


def _tagged(value: Any) -> Any:
    # a date must not fingerprint like the text of the same date
    if isinstance(value, (date, datetime, time)):
        return {"t": type(value).__name__, "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {"t": "timedelta", "v": value.total_seconds()}
    raise TypeError(type(value).__name__)


def row_digest(cells: list[Any]) -> str | None:
    """The fingerprint of a row's cells, in column order ("" for an empty cell); None if a cell holds
    something no issued row can (then the row is simply read the ordinary way)."""
    try:
        data = orjson.dumps(cells, default=_tagged, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except orjson.JSONEncodeError:
        return None
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def number_as_read(value: int | float) -> float:
    """A number as a reader gets it back: XlsxWriter writes 16 significant digits, readers return floats."""
    if type(value) is int and -EXACT_INT < value < EXACT_INT:  # as 16 digits, and as a float, it is exact
        return float(value)
    return float(f"{value:.16G}")
