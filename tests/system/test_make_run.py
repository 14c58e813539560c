"""`make run` on another port, stopped as a service manager stops it (SIGTERM)."""

import http.client
import os
import shutil
import signal
import subprocess

from devtools.mailcatcher import free_port
from tests.helpers import ROOT, wait_for

# what `make run` needs of the project, linked into a folder of its own (its var/ and output/ stay there)
PROJECT = ["catalog", "plugins", "theme", "devtools", "formhandler", "content", "tasks.py", "pelicanconf.py"]


def _get(port: int, path: str) -> tuple[int | None, str]:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    except OSError:
        return None, ""


def _descendants(pid: int) -> set[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    found = {int(child) for child in children}
    for child in list(found):
        found |= _descendants(child)
    return found


def _running(pid: int) -> bool:
    """Alive, not a zombie waiting for a parent that is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_make_run_on_another_port_names_it_in_its_pages_and_sigterm_stops_everything(tmp_path):
    for name in PROJECT:
        (tmp_path / name).symlink_to(ROOT / name)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "SITEURL"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/invoke"), "run", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert wait_for(lambda: _get(port, "/")[0] == 200, timeout=120)
        mission = next(p.parent.name for p in (tmp_path / "output/missions").glob("*/index.html"))
        status, page = _get(port, f"/missions/{mission}/")
        assert status == 200
        address = f"http://127.0.0.1:{port}/missions/{mission}/"
        assert f'<meta property="og:url" content="{address}">' in page  # and the printed sheet's address, its QR code
        assert f"<strong>{address}</strong>" in page
        assert "127.0.0.1:8000" not in page
        children = _descendants(server.pid)
        assert children  # the watching build
        server.send_signal(signal.SIGTERM)
        server.wait(20)
        assert wait_for(lambda: not any(_running(pid) for pid in children), timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
        for pid in _descendants(server.pid):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(tmp_path / "output", ignore_errors=True)
