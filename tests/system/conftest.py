"""Fixtures of the tests that run the guide's and the units' commands."""

import pytest


@pytest.fixture
def shims(tmp_path):
    """``systemctl`` and ``sudo`` that stand for the system's: systemctl notes its arguments,
    sudo -u USER runs the command as the tests' user."""
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "systemctl.log"
    (folder / "systemctl").write_text(f'#!/bin/sh\necho "$*" >> {log}\n', encoding="utf-8")
    (folder / "sudo").write_text('#!/bin/sh\n[ "$1" = -u ] && shift 2\nexec "$@"\n', encoding="utf-8")
    for shim in folder.iterdir():
        shim.chmod(0o755)
    return folder, log
