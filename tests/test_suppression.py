"""No published table lets a small count be seen or worked out."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engage.suppression import suppress


def test_small_counts_are_hidden_and_large_ones_shown():
    cells = suppress({"white": 40, "black": 25, "asian": 3, "mixed": 12}, threshold=10)
    assert cells["asian"].suppressed
    assert cells["white"].count == 40
    assert cells["white"].share == 40 / 80


def test_a_lone_hidden_cell_takes_the_next_smallest_with_it():
    cells = suppress({"white": 40, "black": 25, "asian": 3, "mixed": 12}, threshold=10)
    # Otherwise 80 - 40 - 25 - 12 = 3 would give "asian" away.
    assert cells["mixed"].suppressed
    assert not cells["black"].suppressed


def test_a_small_total_hides_everything():
    cells = suppress({"yes": 6, "no": 2}, threshold=10)
    assert all(cell.suppressed for cell in cells.values())


def test_zero_is_shown():
    cells = suppress({"white": 30, "other": 0}, threshold=10)
    assert cells["other"].count == 0


@given(st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 40), min_size=1),
       st.integers(2, 15))
def test_no_hidden_count_can_be_recovered_from_the_total(counts, threshold):
    cells = suppress(counts, threshold)
    hidden = [k for k, c in cells.items() if c.suppressed and counts[k] > 0]
    # Every small non-zero count is hidden...
    for key, n in counts.items():
        if 0 < n < threshold:
            assert cells[key].suppressed
    # ...and where the total is published (it is not below the threshold), never alone: the
    # total minus the shown cells is then a sum of two or more unknowns.
    if sum(counts.values()) >= threshold:
        assert len(hidden) != 1
