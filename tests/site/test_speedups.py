"""The build's speed tricks (reserve_civique.speedups): the same files without them, and the versions
of what they rely on (an upgrade fails here until each trick is checked again, or removed)."""

import sys
from importlib import metadata

from reserve_civique import speedups
from tests.helpers import TODAY, build_site


def tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_build_without_speedups_writes_the_same_files(tmp_path, content_dir):
    settings = {"content_dir": str(content_dir), "today": TODAY.isoformat()}
    fast = build_site(content_dir, tmp_path / "fast", RESERVE_CIVIQUE={**settings, "speedups": True})
    plain = build_site(content_dir, tmp_path / "plain", RESERVE_CIVIQUE={**settings, "speedups": False})
    assert tree(fast) == tree(plain)
    assert "<svg" in (plain / "missions/colis-laon/index.html").read_text(encoding="utf-8")  # a QR code, a form…


def test_the_qr_codes_are_computed_from_this_version_of_segno():
    assert metadata.version("segno") == speedups.SEGNO_VERSION


def test_the_shared_forms_rely_on_this_version_of_markupsafe():
    assert metadata.version("markupsafe") == speedups.MARKUPSAFE_VERSION


def test_the_collector_pause_was_measured_on_this_python():
    assert sys.version_info[:2] == speedups.PYTHON_VERSION
