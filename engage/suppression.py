"""Statistical disclosure control for every published count.

A count below the threshold is never shown ("fewer than 10"). Hiding one cell is not enough when
the total is shown: the total minus the other cells gives it back. So whenever a table hides any
cell, it hides at least two (the next smallest as well), and a table whose total is itself below
the threshold hides everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    key: str
    count: int | None  # None: suppressed
    share: float | None  # of the table's total, None when suppressed or the total is 0

    @property
    def suppressed(self) -> bool:
        return self.count is None


def suppress(counts: Mapping[str, int], threshold: int) -> dict[str, Cell]:
    """Return every key's cell, with small counts (and their complements) hidden.

    Zero counts are shown: an empty category discloses nobody.
    """
    total = sum(counts.values())
    if total < threshold:
        return {key: Cell(key, None, None) for key in counts}
    hidden = {key for key, n in counts.items() if 0 < n < threshold}
    if len(hidden) == 1:
        # The complement: hide the smallest other non-zero cell too.
        others = sorted((n, key) for key, n in counts.items() if key not in hidden and n > 0)
        if others:
            hidden.add(others[0][1])
    return {
        key: Cell(key, None, None) if key in hidden else Cell(key, n, n / total if total else None)
        for key, n in counts.items()
    }


def describe(cell: Cell, threshold: int) -> str:
    return f"fewer than {threshold}" if cell.suppressed else f"{cell.count:,}"
