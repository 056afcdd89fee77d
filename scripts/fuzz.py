#!/usr/bin/env python3
"""Longer fuzz run: `python scripts/fuzz.py --count 1000 --seed 1`. Each mutated workbook goes through
`validate` and `merge --dry-run` in a fresh process; any traceback, internal error, crash or hang is
printed with the seed that reproduces it, and the mutated file is kept in the work folder."""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzzing import mutate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cwb-fuzz-"))
    store = str(work / "store.sqlite")
    cli = [sys.executable, "-m", "workbook.cli", "--store", store]
    base = work / "base.xlsx"
    subprocess.run(cli + ["build", "-o", str(base)], check=True, cwd=ROOT, capture_output=True)
    failures = 0
    for case in range(args.count):
        seed = args.seed * 1_000_003 + case
        target = work / f"case-{seed}.xlsx"
        what = mutate(base, target, random.Random(seed))
        for command in (["validate", str(target)], ["merge", "--dry-run", str(target)]):
            try:
                result = subprocess.run(cli + command, cwd=ROOT, capture_output=True, text=True, timeout=args.timeout)
            except subprocess.TimeoutExpired:
                print(f"HANG seed={seed} {what} {command[0]}")
                failures += 1
                continue
            bad = result.returncode not in (0, 1, 2) or "Traceback" in result.stderr or \
                "internal error" in result.stderr or (result.returncode == 2 and not result.stderr.strip())
            if bad:
                failures += 1
                print(f"FAIL seed={seed} exit={result.returncode} {what} {command[0]}: {result.stderr.strip()[-300:]}")
        if not failures:
            target.unlink(missing_ok=True)
        if case % 50 == 49:
            print(f"{case + 1} cases, {failures} failures", file=sys.stderr)
    print(f"{args.count} cases, {failures} failures; files in {work}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
