"""`make run` from a checkout: the places export is written before the build, and the structure's
link the mail catcher keeps (var/mail/) opens its page on the served port, where « Accepter » works."""

from __future__ import annotations

import contextlib
import email
import email.policy
import http.client
import json
import os
import shutil
import signal
import subprocess
from urllib.parse import urlencode

from devtools.mailcatcher import free_port
from tests.helpers import ROOT, VALID, wait_for
from tests.helpers.answers import ANSWER_LINK, text_of
from tests.system.test_make_run import PROJECT, _descendants, _get


def _post(port: int, path: str, body: str, headers: dict) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        conn.close()


def _mails(folder) -> list:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def test_make_run_writes_the_exports_and_the_mailed_link_answers_on_its_port(tmp_path):
    for name in PROJECT:
        (tmp_path / name).symlink_to(ROOT / name)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SITEURL", "FLASK_DATABASE")}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/invoke"), "run", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    origin = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _get(port, "/")[0] == 200, timeout=120)
        exported = json.loads((tmp_path / "var/exports/missions.json").read_text(encoding="utf-8"))
        assert exported["data"] == {}  # written before the build: nobody has applied yet
        mission = "distribution-colis-alimentaires-laon"
        body = json.dumps({**VALID, "email": "make.run@exemple.fr", "postal_code": "02000"})
        headers = {"Content-Type": "application/json", "Accept": "application/json", "Origin": origin}
        assert _post(port, f"/api/missions/{mission}/applications", body, headers) == 201
        mails = tmp_path / "var/mail"
        assert wait_for(lambda: len(_mails(mails)) == 2, timeout=30)
        link = next(found.group(0) for m in _mails(mails) if (found := ANSWER_LINK.search(text_of(m))))
        assert link.startswith(f"{origin}/candidatures/")
        path = link.removeprefix(origin)
        status, page = _get(port, path)
        assert status == 200 and "Jeanne Dupré" in page
        form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin}
        assert _post(port, path, urlencode({"action": "accepter", "message": ""}), form) == 303
        assert "Candidature acceptée" in _get(port, f"{path}?fait=acceptee")[1]
        assert wait_for(lambda: len(_mails(mails)) == 3, timeout=30)  # the volunteer told
        assert "acceptée" in _mails(mails)[-1]["Subject"]
    finally:
        children = _descendants(server.pid)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):  # already stopped with the server
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(tmp_path / "output", ignore_errors=True)
