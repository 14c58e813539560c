"""Shared fixtures: copies of the test content, a fixed 'today'."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def today() -> dt.date:
    """A fixed day, so that 'open' and 'past' do not change with the calendar."""
    return TODAY


@pytest.fixture
def content_dir(tmp_path) -> Path:
    """A writable copy of tests/data/content (2 domains, 2 structures, 5 missions)."""
    target = tmp_path / "content"
    shutil.copytree(DATA / "content", target)
    return target


@pytest.fixture
def edit(content_dir):
    """Replace text in a content file of the copy: ``edit("missions/x.yaml", old, new)``."""

    def _edit(relative: str, old: str, new: str) -> Path:
        path = content_dir / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return _edit
