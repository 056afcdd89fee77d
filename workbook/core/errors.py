"""The one exception base of expected failures. Each carries a code from the message catalogue
(`messages.REFUSALS`), its parameters, its exit code and its HTTP status; the command line renders it once, in the
language of `--lang`, as one line on stderr (naming the file, and the sheet and cell where there is one, and what to
do), and the portal once, as `{"error": CODE, "message": ...}` with its status."""

from __future__ import annotations

from typing import Any


class CwbError(Exception):
    """A failure the user can act on. Exit code 2 unless a subclass says otherwise."""

    exit_code = 2
    http_status = 400  # the portal's answer: a request it cannot do as asked

    def __init__(self, code: str, /, **params: Any):
        super().__init__(code, params)
        self.code, self.params = code, params

    def message(self, lang: str = "en") -> str:
        from workbook.core.messages import t

        return t(self.code, lang, **self.params)

    def __str__(self) -> str:
        return self.message("en")

    def __reduce__(self):  # raised in a worker process, re-raised in the caller: code and parameters travel
        return _rebuild, (type(self), self.code, self.params)


def _rebuild(cls: type[CwbError], code: str, params: dict[str, Any]) -> CwbError:
    return cls(code, **params)


class UsageError(CwbError):
    """A wrong option or argument, an unknown region or round."""


class Unknown(UsageError):
    """No such round, region of a round, or file: 404 in the portal, exit 2 at the command line."""

    http_status = 404


class Forbidden(CwbError):
    """Outside the actor's scope (a region not its own, a coordinator's action): refused before any work."""

    http_status = 403


class NotSignedIn(CwbError):
    """The portal: no key, or a wrong, replaced or revoked one."""

    http_status = 401


class Throttled(CwbError):
    """The portal: too many wrong keys from one client; refused for a while, whatever the key."""

    http_status = 429


class TooLarge(CwbError):
    """The portal: a request body over the upload limit, refused while it streams in."""

    http_status = 413
