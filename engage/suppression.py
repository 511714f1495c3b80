"""Statistical disclosure control for every published count.

A count below the threshold is never shown: it reads "fewer than 10". Hiding it is not enough
when the table's total is known, because the total less the shown cells is the sum of the
hidden ones. Everyone may know these rules (the code is open), so what a reader learns from a
table is: the shown counts exactly, each "fewer than 10" cell between 1 and 9 (zeros are shown,
so a hidden cell is not 0), each "not shown" cell at least 10, and the total. From that alone,
each hidden small count must still be able to be anything from 1 to 9: the reader learns
nothing about it beyond "fewer than 10". So:

1. A table whose total is below the threshold shows nothing (every cell "fewer than 10", which
   is then true of each).
2. Otherwise the small cells are hidden, and then other non-zero cells, "not shown", until
   `protected` holds: the smallest one that is enough on its own, or else the largest, and
   again, so that as few cells as may be are hidden, and small ones rather than large. A cell
   hidden for this reason is never said to be "fewer than 10": it is not.
3. Where even hiding every non-zero cell cannot protect them (a table of a few small cells and
   one just over the threshold), every cell, zeros too, is "not shown".

tests/test_suppression.py checks the result against a reader's own working-out, for any table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    key: str
    count: int | None  # None: suppressed
    share: float | None  # of the table's total, None when suppressed or the total is 0
    # Hidden because it is under the threshold ("fewer than N"), rather than to protect another
    # count ("not shown"). Meaningless for a shown cell.
    small: bool = True

    @property
    def suppressed(self) -> bool:
        return self.count is None


def protected(hidden_sum: int, small: int, others: int, threshold: int) -> bool:
    """Whether each of `small` hidden cells under the threshold can still be anything from 1 to
    threshold - 1, to a reader who knows that they add up to `hidden_sum` with `others` hidden
    cells of at least the threshold each (and that every hidden cell is at least 1).

    Its largest possible value leaves every other hidden cell at its least; its smallest
    possible value puts every other small cell at threshold - 1 (a cell of at least the
    threshold has no most, so with one of those it can always be 1)."""
    if not small:
        return True
    most = hidden_sum - (small - 1) - others * threshold
    least = 1 if others else hidden_sum - (small - 1) * (threshold - 1)
    return most >= threshold - 1 and least <= 1


def suppress(counts: Mapping[str, int], threshold: int) -> dict[str, Cell]:
    """Return every key's cell, with small counts, and what would give them away, hidden."""
    total = sum(counts.values())
    if total < threshold:
        return {key: Cell(key, None, None) for key in counts}
    small = {key for key, n in counts.items() if 0 < n < threshold}
    others: set[str] = set()
    hidden_sum = sum(counts[key] for key in small)
    spare = sorted((n, key) for key, n in counts.items() if n >= threshold)
    while not protected(hidden_sum, len(small), len(others), threshold) and spare:
        enough = next((i for i, (n, _) in enumerate(spare)
                       if protected(hidden_sum + n, len(small), len(others) + 1, threshold)),
                      len(spare) - 1)
        n, key = spare.pop(enough)
        others.add(key)
        hidden_sum += n
    if not protected(hidden_sum, len(small), len(others), threshold):
        return {key: Cell(key, None, None, small=False) for key in counts}
    return {
        key: Cell(key, None, None, small=key in small) if key in small | others
        else Cell(key, n, n / total if total else None)
        for key, n in counts.items()
    }


def suppress_nested(counts: Mapping[str, int], group_of: Mapping[str, object],
                    threshold: int) -> tuple[dict[str, Cell], bool]:
    """suppress() for a table whose groups' subtotals a reader may learn elsewhere: the ethnic
    group table beside the confidence gap, whose White and Black and minority ethnic bases are
    near enough those groups' subtotals. Knowing a group's subtotal, a reader learns the sum of
    that group's hidden cells, not only of all of them, so each group of at least `threshold`
    goes through suppress() as a table of its own too, and a cell hidden either way is hidden
    (labelled as suppress() labels it: hiding more never undoes a protection, since each extra
    hidden cell only widens what the others may be). A group under the threshold is left to
    the figures beside the table, which show its subtotal only as "fewer than N".

    Returns the cells and whether every group is protected: False when some group's cells
    cannot be protected however many are hidden (3 and 12 in a group of 15), and the subtotals
    must then not be shown beside the table at all."""
    cells = suppress(counts, threshold)
    groups: dict[object, dict[str, int]] = {}
    for key, n in counts.items():
        groups.setdefault(group_of[key], {})[key] = n
    protected_all = True
    for members in groups.values():
        if sum(members.values()) < threshold:
            continue
        own = suppress(members, threshold)
        if all(c.suppressed and not c.small for c in own.values()) and any(
                0 < n < threshold for n in members.values()):
            protected_all = False  # rule 3: no hiding protects them
            continue
        for key, cell in own.items():
            if cell.suppressed and not cells[key].suppressed:
                cells[key] = cell
    return cells, protected_all


def describe(cell: Cell, threshold: int) -> str:
    if not cell.suppressed:
        return f"{cell.count:,}"
    return f"fewer than {threshold}" if cell.small else "not shown"
