"""Who acts, and on which regions: the one value every shared service takes to limit what it reads and writes
(issue 22). Here, at the bottom, so that the command line, the portal and the services all speak of it alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from workbook.core.errors import Forbidden

COORDINATOR, OFFICE = "coordinator", "office"
ROLES = (COORDINATOR, OFFICE)


@dataclass(frozen=True)
class Scope:
    """An actor's reach. `regions` None means every region, the store's now and any added later: a coordinator's,
    and the command line's (whoever holds the store holds all of it)."""

    actor: str
    role: str
    regions: frozenset[str] | None

    @classmethod
    def everything(cls, actor: str) -> Scope:
        """The scope of the person at the terminal: every region, under their name."""
        return cls(actor, COORDINATOR, None)

    @property
    def all_regions(self) -> bool:
        return self.regions is None

    def covers(self, region: str) -> bool:
        return self.regions is None or region in self.regions

    def outside(self, regions: Iterable[str]) -> list[str]:
        """The regions given that this scope does not reach, in their order: what to refuse before any work."""
        return [] if self.regions is None else [r for r in regions if r not in self.regions]

    def only(self, regions: Iterable[str]) -> list[str]:
        """The regions given that this scope reaches, in their order: what a read may show."""
        return list(regions) if self.regions is None else [r for r in regions if r in self.regions]

    def ensure(self, regions: Iterable[str], code: str, /, **params: Any) -> None:
        """Refuse (`Forbidden`, with `code`) unless every region given is in scope: the one check the services make
        before they read, check, merge or record anything of those regions."""
        outside = self.outside(regions)
        if outside:
            raise Forbidden(code, actor=self.actor, regions=", ".join(outside),
                            mine=", ".join(sorted(self.regions or ())), **params)

    def ensure_all(self, code: str, /, **params: Any) -> None:
        """Refuse (`Forbidden`) unless the scope is every region: a coordinator's (the report, say)."""
        if self.regions is not None:
            raise Forbidden(code, actor=self.actor, mine=", ".join(sorted(self.regions)), **params)
