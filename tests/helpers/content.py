"""The content check, as the core tests read it."""

from __future__ import annotations

from catalog import load_content


def problems_of(content_dir, today) -> tuple[list[str], list[str]]:
    """The errors and the warnings of the content in ``content_dir``, as the check prints them."""
    result = load_content(content_dir, today=today, display_root=content_dir.parent)
    return [str(p) for p in result.errors], [str(p) for p in result.warnings]
