"""cluster-wb: industrial-cluster records kept in Excel workbooks officials fill in, merged back safely.

`workbook.frames(store=None, *, lang="zh", round=None)` hands the store's records to pandas (see the README,
"Data out for analysts"); it is imported on first use, so `import workbook` stays quick."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["frames"]


def __getattr__(name: str) -> Any:
    if name == "frames":
        from workbook.services.frames import frames

        return frames
    raise AttributeError(f"module 'workbook' has no attribute {name!r}")
