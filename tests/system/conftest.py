"""Fixtures of the tests that run the guide's and the units' commands."""

import subprocess

import pytest

from tests.helpers import wait_for
from tests.helpers.nginx import NGINX, NginxSite, render_nginx, request


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


@pytest.fixture
def nginx(tmp_path):
    """Start nginx on a rendered site: ``nginx(upstream_port, https_port) -> NginxSite``; stopped at the end."""
    procs = []

    def _start(upstream_port: int, https_port: int | None = None) -> NginxSite:
        site = render_nginx(tmp_path, upstream_port, https_port)
        proc = subprocess.Popen([NGINX, "-c", str(site.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)

        def answer():
            assert proc.poll() is None, (tmp_path / "error.log").read_text(encoding="utf-8", errors="replace")
            try:
                return request(site.https_port, "GET", "/", timeout=2)[0]
            except OSError:
                return None  # not listening yet

        status = wait_for(answer, timeout=30)
        assert status == 200, f"nginx answered {status}: " + (tmp_path / "error.log").read_text(encoding="utf-8")
        return site

    yield _start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
