"""Feed entries: the newest missions of each feed, from one list sorted once."""

import datetime as dt
import random
from types import SimpleNamespace

import pytest

from reserve_civique import opendata
from reserve_civique.views import recency


def missions(count: int, seed: int) -> list:
    draw = random.Random(seed)
    return [
        SimpleNamespace(
            id=f"mission-{i:04d}",
            start=dt.date(2026, 12, 1) + dt.timedelta(days=draw.randrange(60)),
            published=draw.choice([None, dt.date(2026, 11, 1) + dt.timedelta(days=draw.randrange(28))]),
        )
        for i in range(count)
    ]


@pytest.mark.parametrize(("seed", "share", "limit"), [(1, 1.0, 50), (2, 0.1, 50), (3, 0.5, 5), (4, 0.02, 50)])
def test_entries_from_the_sorted_list_are_those_of_a_ranking(seed, share, limit):
    every = missions(400, seed)  # many share a date: the id breaks ties
    draw = random.Random(seed)
    feed = [m for m in every if draw.random() < share]
    recent = sorted(every, key=recency, reverse=True)
    entries = opendata.newest(feed, limit, recent)
    assert entries == opendata.newest(feed, limit)
    assert len(entries) == min(limit, len(feed))
    assert entries == sorted(feed, key=lambda m: (m.published or m.start, m.id), reverse=True)[:limit]
