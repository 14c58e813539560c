"""The neutral identity's pages, CSS and SVG are valid for the W3C's Nu Html Checker too.

test_html_validity.py checks the État identity (the shipped settings); this module builds the
shipped demo content in the neutral identity and checks it the same way.
"""

from __future__ import annotations

import os
import shutil

import pytest

from devtools import validator
from tests.helpers import ROOT, TODAY, build_site
from tests.helpers.html import html_problems


@pytest.fixture(scope="module")
def neutral(tmp_path_factory):
    reason = validator.missing()
    if reason and os.environ.get("CI"):
        pytest.fail(reason)
    if reason:
        pytest.skip(reason)
    base = tmp_path_factory.mktemp("nu-neutral")
    content = base / "content"
    shutil.copytree(ROOT / "content", content)
    plugin = {"content_dir": str(content), "today": TODAY.isoformat(), "per_page": 5, "incremental": False}
    return build_site(content, base / "site", RESERVE_CIVIQUE=plugin, IDENTITY="neutre", THEME_STATIC_PATHS=["static"])


def test_every_page_of_the_neutral_identity_is_valid(neutral):
    pages = [p for p in neutral.rglob("*.html")]
    assert len(pages) > 20 and 'data-rc-identity="neutre"' in (neutral / "index.html").read_text(encoding="utf-8")
    assert html_problems({"neutral": neutral}) == {}
