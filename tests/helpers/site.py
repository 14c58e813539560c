"""The site built with Pelican (the real plugin and theme) into a folder, and what Pagefind keeps of a page."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from tests.helpers.constants import ROOT, TODAY


def pagefind_fragment(compressed: bytes) -> dict:
    """What Pagefind keeps of one page (its text, metadata, filters), from a fragment file's bytes."""
    data = gzip.decompress(compressed)
    signature = b"pagefind_dcd"  # what Pagefind puts before a fragment's JSON
    return json.loads(data[data.index(signature) + len(signature) :])


def build_site(content_dir: Path, output: Path, **overrides) -> Path:
    """Build the site with Pelican into ``output`` (the real plugin and theme)."""
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(content_dir),
            "OUTPUT_PATH": str(output),
            "THEME": str(ROOT / "theme"),
            "PLUGIN_PATHS": [str(ROOT / "plugins")],
            "SITEURL": "https://aider.example.org",
            "RESERVE_CIVIQUE": {"content_dir": str(content_dir), "today": TODAY.isoformat()},
            "DELETE_OUTPUT_DIRECTORY": True,
            "CACHE_PATH": str(output.parent / "cache"),
            **overrides,
        },
    )
    pelican = Pelican(settings)
    try:
        pelican.run()
    except BaseException:
        _sitemap_forgets(pelican)
        raise
    return output


def _sitemap_forgets(failed) -> None:
    """Leave pelican-sitemap as if the ``failed`` build had never started.

    The plugin waits, in a module-level object, for the ``finalized`` signal
    of the first build it saw; a failed build never sends it, and the plugin
    would then write no sitemap for any later build of this process. Pelican's
    own autoreload runs the same Pelican object again and never meets this; the
    tests build many. The plugin offers no public way to start afresh: this is
    the one place that resets its state, and
    tests/site/test_data.py::test_a_failed_build_leaves_the_next_its_sitemap
    pins the version it was written for.
    """
    from pelican.plugins.sitemap import sitemap

    if sitemap.generator._main_pelican is failed:
        sitemap.generator._main_pelican = None
        sitemap.generator.page_queue = []
