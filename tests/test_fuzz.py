"""Mutated workbooks, a fixed seed and a bounded count: every case ends with exit 0, 1 or 2 and a message,
never a traceback, an internal error or a hang. `scripts/fuzz.py` runs the same for longer."""

from __future__ import annotations

import random
import time

import pytest

from .fuzzing import mutate

CASES = 48


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    from .conftest import Env
    env = Env(tmp_path_factory.mktemp("fuzz"))
    return env, env.build("base.xlsx")


@pytest.mark.parametrize("case", range(CASES))
def test_mutated_workbook_is_answered_cleanly(base, case):
    env, source = base
    rng = random.Random(20261126 + case)
    target = env.root / f"case{case}.xlsx"
    what = mutate(source, target, rng)
    for command in (["validate", str(target)], ["merge", "--dry-run", str(target)]):
        started = time.monotonic()
        result = env.run(*command)
        assert time.monotonic() - started < 60, what
        assert result.exit_code in (0, 1, 2), (what, result.output)
        assert "Traceback" not in result.output, what
        assert "internal error" not in result.stderr, (what, result.stderr)
        if result.exit_code == 2:
            assert result.stderr.strip(), what
        if result.exit_code == 1:
            assert result.stdout.strip(), what
