"""No published table lets a small count be seen or worked out."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engage.suppression import describe, suppress, suppress_nested


def test_small_counts_are_hidden_and_large_ones_shown():
    cells = suppress({"white": 40, "black": 25, "asian": 3, "mixed": 12}, threshold=10)
    assert cells["asian"].suppressed
    assert cells["white"].count == 40
    assert cells["white"].share == 40 / 80


def test_a_lone_hidden_cell_takes_another_with_it_that_keeps_it_from_being_worked_out():
    cells = suppress({"white": 40, "black": 25, "asian": 3, "mixed": 12}, threshold=10)
    # Hiding "mixed" (12) with it is not enough: a reader knows a hidden cell that is not
    # "fewer than 10" is at least 10, so 80 - 40 - 25 = 15 would put "asian" at 5 or less.
    # With "black" (25) hidden instead, "asian" could be anything from 1 to 9.
    assert cells["asian"].suppressed and cells["asian"].small
    assert cells["black"].suppressed and not cells["black"].small
    assert (cells["white"].count, cells["mixed"].count) == (40, 12)
    assert [describe(cells[k], 10) for k in ("white", "black", "asian", "mixed")] == [
        "40", "not shown", "fewer than 10", "12"]


def test_two_small_cells_that_add_up_to_their_own_number_are_not_left_to_give_each_other_away():
    # 22 responses: 20 online, 1 on paper, 1 by telephone. Two hidden cells adding up to 2
    # would each be 1, so the online count is hidden too.
    cells = suppress({"online": 20, "paper": 1, "telephone": 1}, threshold=10)
    assert all(cell.suppressed for cell in cells.values())
    assert [describe(cells[k], 10) for k in ("online", "paper", "telephone")] == [
        "not shown", "fewer than 10", "fewer than 10"]


def test_small_cells_that_add_up_to_nearly_all_they_could_are_protected_too():
    # Two "fewer than 10" cells adding up to 18 would both be 9.
    cells = suppress({"a": 9, "b": 9, "c": 30, "d": 50}, threshold=10)
    assert cells["a"].suppressed and cells["b"].suppressed
    assert cells["c"].suppressed and cells["d"].count == 50


def test_the_smallest_cell_that_is_enough_goes_or_else_the_largest_first():
    # Beside "a" (1), hiding 10 or 11 would leave it at most 1 or 2; 100 is enough.
    cells = suppress({"a": 1, "b": 10, "c": 11, "d": 100}, threshold=10)
    assert cells["a"].suppressed and cells["d"].suppressed
    assert (cells["b"].count, cells["c"].count) == (10, 11)
    # No one of 11, 14 and 15 is enough: 15 goes first, then 14, the smallest enough with it.
    cells = suppress({"a": 1, "b": 11, "c": 14, "d": 15}, threshold=10)
    assert [k for k, c in cells.items() if c.suppressed] == ["a", "c", "d"]


def test_where_nothing_can_protect_a_small_cell_the_whole_table_is_not_shown():
    # 1 and 10: hiding both still says the 10 is at least 10, so the other is 1.
    cells = suppress({"yes": 1, "no": 10, "unsure": 0}, threshold=10)
    assert all(cell.suppressed and not cell.small for cell in cells.values())
    assert {describe(c, 10) for c in cells.values()} == {"not shown"}


def test_a_small_total_hides_everything():
    cells = suppress({"yes": 6, "no": 2}, threshold=10)
    assert all(cell.suppressed for cell in cells.values())
    assert {describe(c, 10) for c in cells.values()} == {"fewer than 10"}


def test_zero_is_shown():
    cells = suppress({"white": 30, "other": 0}, threshold=10)
    assert cells["other"].count == 0


def reader_ranges(cells: dict, total: int, threshold: int) -> dict[str, tuple[int, int]]:
    """What a reader who knows the rules can work out about each hidden cell: its least and
    greatest possible value, given the shown cells, the total, and what each label means
    ("fewer than N": 1 to N - 1, or 0 to N - 1 when the whole table is under N; "not shown":
    at least N, or anything from 0 when every cell is "not shown"). Intervals of whole numbers
    add up to an interval, so the bounds are exact."""
    if total < threshold:
        known = {k: (0, threshold - 1) for k in cells}
    elif all(c.suppressed and not c.small for c in cells.values()):
        known = {k: (0, total) for k in cells}
    else:
        known = {k: (c.count, c.count) if not c.suppressed
                 else (1, threshold - 1) if c.small else (threshold, total)
                 for k, c in cells.items()}
    ranges = {}
    for key, cell in cells.items():
        if not cell.suppressed:
            continue
        low, high = known[key]
        rest_low = sum(lo for k, (lo, _) in known.items() if k != key)
        rest_high = sum(hi for k, (_, hi) in known.items() if k != key)
        ranges[key] = (max(low, total - rest_high), min(high, total - rest_low))
    return ranges


@given(st.dictionaries(st.sampled_from("abcdefg"), st.integers(0, 60), min_size=1),
       st.integers(2, 15))
def test_a_reader_learns_nothing_about_a_small_count_beyond_fewer_than_the_threshold(
        counts, threshold):
    cells = suppress(counts, threshold)
    total = sum(counts.values())
    ranges = reader_ranges(cells, total, threshold)
    for key, n in counts.items():
        cell = cells[key]
        if 0 < n < threshold:
            assert cell.suppressed, key  # every small non-zero count is hidden
        if cell.suppressed:
            # Its label is true: "fewer than N" is, and "not shown" beside shown or "fewer
            # than N" cells is at least N (a table all "not shown" says nothing of any cell).
            whole_table = all(c.suppressed and not c.small for c in cells.values())
            assert n < threshold if cell.small else (whole_table or n >= threshold), key
            low, high = ranges[key]
            assert low <= n <= high  # the reader's working-out is right...
            if 0 < n < threshold and total >= threshold:
                # ...and leaves a small count anywhere from 1 (or nothing) to threshold - 1.
                assert low <= 1 and high >= threshold - 1, (key, ranges, cells)
        else:
            assert cell.count == n


# A table whose groups' subtotals a reader may know (the ethnic group table beside the
# confidence gap's White and Black and minority ethnic bases).
ETHNIC = {"white": "w", "asian": "m", "black": "m", "mixed": "m", "other": "m",
          "prefer-not": None, "not-answered": None}


def test_each_group_with_a_known_subtotal_hides_its_own_small_cells_well_enough():
    counts = {"white": 20, "asian": 30, "black": 3, "mixed": 12, "other": 0, "prefer-not": 0,
              "not-answered": 30}
    # On its own the table hides Black's 3 with White's 20: 95 less the shown 72 is 23. Told
    # the White subtotal (20), a reader would have Black's 3 back.
    alone = suppress(counts, threshold=10)
    assert [k for k, c in alone.items() if c.suppressed] == ["white", "black"]
    # Nested, Black and minority ethnic hide Asian's 30 with it: told that group's subtotal
    # (45), a reader knows only that Black and Asian make 33, Black anywhere from 1 to 9.
    cells, protected = suppress_nested(counts, ETHNIC, threshold=10)
    assert protected
    assert [describe(cells[k], 10) for k in counts] == [
        "not shown", "not shown", "fewer than 10", "12", "0", "0", "30"]


def test_a_group_that_no_hiding_can_protect_is_said_to_be_unprotected():
    # Black 3 and Asian 12, a group of 15: told the 15, a reader has Black at 3 to 9 whichever
    # cells are hidden, so the subtotals must not be shown beside the table at all.
    counts = {"white": 20, "asian": 12, "black": 3, "not-answered": 30}
    cells, protected = suppress_nested(counts, ETHNIC, threshold=10)
    assert not protected
    assert cells == suppress(counts, threshold=10)  # the table itself as suppress() leaves it


@given(st.dictionaries(st.sampled_from(sorted(ETHNIC)), st.integers(0, 40), min_size=1),
       st.integers(2, 12))
def test_told_any_group_s_subtotal_a_reader_learns_nothing_more_about_a_small_count(
        counts, threshold):
    cells, protected = suppress_nested(counts, ETHNIC, threshold)
    total = sum(counts.values())
    # The whole table keeps every guarantee of suppress() (labels true, small counts safe).
    ranges = reader_ranges(cells, total, threshold)
    for key, n in counts.items():
        if 0 < n < threshold:
            assert cells[key].suppressed, key
        if cells[key].suppressed and total >= threshold:
            whole_table = all(c.suppressed and not c.small for c in cells.values())
            assert n < threshold if cells[key].small else (whole_table or n >= threshold)
            low, high = ranges[key]
            if 0 < n < threshold:
                assert low <= 1 and high >= threshold - 1, (key, ranges)
    if not protected or total < threshold or all(
            c.suppressed and not c.small for c in cells.values()):
        return
    # Told one group's subtotal (of at least the threshold: a smaller one is shown as "fewer
    # than N" beside the table), a reader works that group as a table of its own.
    for group in set(ETHNIC.values()):
        members = {k: n for k, n in counts.items() if ETHNIC[k] == group}
        subtotal = sum(members.values())
        if subtotal < threshold:
            continue
        own = reader_ranges({k: cells[k] for k in members}, subtotal, threshold)
        for key, n in members.items():
            if 0 < n < threshold:
                low, high = own[key]
                assert low <= 1 and high >= threshold - 1, (group, key, own, cells)
