"""What the portal is started with: the store, the upload limit, the worker pool. Plain data, so that a worker
process of `--workers N` rebuilds the same application from it (`from_env`)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

ENV = "CLUSTER_WB_SERVE_SETTINGS"  # how `serve --workers N` hands the settings to uvicorn's worker processes


@dataclass(frozen=True)
class Settings:
    store: str  # a SQLite path or a postgresql:// URL, as --store takes
    max_upload_mb: int = 50
    lang: str = "zh"  # messages when a request names no ?lang=
    pool: int = 0  # processes that validate and merge uploads; 0: one per core

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def pool_size(self) -> int:
        return self.pool or os.cpu_count() or 1

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> Settings:
        return cls(**json.loads(os.environ[ENV]))
