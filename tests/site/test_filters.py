"""Template filters of the plugin."""

import pytest

from reserve_civique.filters import page_window


@pytest.mark.parametrize(
    ("page", "count", "window"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 460, [1, 2, 3, None, 460]),
        (5, 460, [1, 2, 3, 4, 5, 6, 7, None, 460]),  # 2 is shown rather than « … » for one page
        (230, 460, [1, None, 228, 229, 230, 231, 232, None, 460]),
        (460, 460, [1, None, 458, 459, 460]),
        (4, 7, [1, 2, 3, 4, 5, 6, 7]),
    ],
)
def test_page_window_links_first_last_and_neighbours(page, count, window):
    assert page_window(page, count) == window


def test_page_window_stays_small_however_many_pages():
    assert max(len(page_window(n, 10_000)) for n in range(1, 10_001)) == 9
