"""The one exception base of expected failures: each carries its exit code, and the command line turns any
of them into one line on stderr (file, sheet and cell where there is one; what to do) and that code."""

from __future__ import annotations


class CwbError(Exception):
    """A failure the user can act on; the message says what to do. Exit code 2 unless a subclass says."""

    exit_code = 2


class UsageError(CwbError):
    """A wrong option or argument, an unknown region or round."""
