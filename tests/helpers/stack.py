"""The handler as it runs in production: gunicorn (2 workers) and a `flask outbox run` worker, on loopback."""

from __future__ import annotations

import os

from tests.helpers.constants import ROOT, TODAY, VALID
from tests.helpers.databases import Tables


class Stack:
    """gunicorn (2 workers) and, optionally, a `flask outbox run` worker, on loopback."""

    def __init__(self, tmp_path, content_dir, mail_port, **settings):
        from devtools.mailcatcher import free_port
        from formhandler.settings import environ, local_config

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = str(settings.pop("DATABASE", tmp_path / "stack.sqlite3"))
        self.tables = Tables(self.database)
        settings = {
            "DATABASE": self.database,
            "CONTENT_DIR": str(content_dir),
            "MAIL_TIMEOUT": 1,
            "TODAY": TODAY.isoformat(),
            "OUTBOX_WORKER": "none",
            "OUTBOX_RETRY_BASE": 1,
            "OUTBOX_RETRY_MAX": 2,
            "OUTBOX_LEASE_SECONDS": 5,
            "OUTBOX_SENDERS": 4,
            **settings,
        }
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            **environ(local_config(tmp_path, self.url, mail_port, **settings)),
        }
        self.senders = int(self.env["FLASK_OUTBOX_SENDERS"])
        self.web = None
        self.worker = None

    def start_web(self, prefix=()):
        """Start gunicorn; ``prefix``: a command it runs under (``setpriv …``)."""
        import http.client
        import subprocess
        import sys
        import time

        self.web = subprocess.Popen(
            [*prefix, sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "1",
             "--log-level", "warning", "formhandler:create_app()"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                return self
            except OSError:
                time.sleep(0.1)
            finally:
                conn.close()  # a socket left to the garbage collector is a ResourceWarning, an error here
        raise RuntimeError("gunicorn did not start")

    def start_worker(self):
        import subprocess
        import sys

        self.worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "formhandler", "outbox", "run"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        return self

    def web_worker_pids(self) -> list[int]:
        import subprocess

        out = subprocess.run(["pgrep", "-P", str(self.web.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def post(self, n: int, mission="colis-laon", timeout=10):
        """Post application n; return the HTTP status (or None if the connection failed)."""
        import http.client
        import json

        body = json.dumps({**VALID, "email": f"v{n}@exemple.fr", "last_name": f"Fiable{n}"})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("POST", f"/api/missions/{mission}/applications", body,
                         {"Content-Type": "application/json", "Accept": "application/json", "Origin": self.url})  # fmt: skip
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            return None  # a worker killed mid-answer: not acknowledged
        finally:
            conn.close()

    def get(self, path: str, timeout=10) -> tuple[int | None, bytes]:
        """GET ``path``: (status, body), or (None, b"") if the connection failed."""
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            return None, b""
        finally:
            conn.close()

    def rows(self, sql, *args):
        """Rows of the stack's database, in SQLite's dialect whatever the backend (:class:`Tables`)."""
        return self.tables(sql, *args)

    def stop(self):
        for proc in (self.web, self.worker):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except Exception:
                    proc.kill()
                    proc.wait()
        self.tables.close()


def wait_for(predicate, timeout=30.0, step=0.1):
    """Wait until ``predicate()`` is true (a wait, not a timing assertion); return its last value."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)
