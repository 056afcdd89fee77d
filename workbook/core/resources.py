"""Where the bundled templates and seed dataset live, in a checkout and in an installed wheel."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # workbook/, above core/

DEFAULT_STORE = "data/cluster-wb.sqlite"  # the store of `--store` and `workbook.frames()` when none is named
STORE_ENV = "CLUSTER_WB_STORE"  # ... unless this names one


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled files not found in any of: {', '.join(str(c) for c in candidates)}")


def templates_dir() -> Path:
    """The folder of `schema.yaml`: CLUSTER_WB_TEMPLATES if set (a province's own template), else
    `templates/` of a checkout, or the copy a wheel carries inside the package."""
    chosen = os.environ.get("CLUSTER_WB_TEMPLATES")
    if chosen:
        return _first_existing(Path(chosen))
    return _first_existing(_PACKAGE / "_templates", _PACKAGE.parent / "templates")


def seed_dir() -> Path:
    """`data/seed/` of a checkout, or the copy a wheel carries inside the package."""
    return _first_existing(_PACKAGE / "_seed", _PACKAGE.parent / "data" / "seed")
