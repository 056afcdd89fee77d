"""Who acts, and on which regions: the one value every shared service takes to limit what it reads and writes
(issue 22). Here, at the bottom, so that the command line, the portal and the services all speak of it alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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
