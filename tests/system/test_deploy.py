"""The example deployment files: nginx accepts its configuration, and slow clients cannot starve the handler."""

import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import ROOT, VALID, wait_for

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)

needs_nginx = pytest.mark.skipif(
    NGINX is None and not os.environ.get("CI"),
    reason="nginx absent : la configuration n'est vérifiée qu'avec nginx (installé par .ci/run)",
)

SERVICE = ROOT / "deploy" / "reserve-civique-web.service"
WORKERS = 2  # what the Stack fixture starts (gunicorn -w 2, sync workers), checked against SERVICE below


# -- the deployed nginx configuration, run on loopback ----------------------------


@dataclass
class NginxSite:
    conf: Path  # the main configuration, which includes deploy/nginx.conf as rendered
    https_port: int
    http_port: int
    root: Path  # the static site's folder (stands for /srv/reserve-civique/output)


def _replace(text: str, old: str, new: str) -> str:
    """Replace ``old`` (which must be there: a changed deploy file fails here, not by testing defaults)."""
    assert old in text, f"{old!r} not in deploy/nginx.conf"
    return text.replace(old, new)


def render_nginx(tmp_path: Path, upstream_port: int = 8001, https_port: int | None = None) -> NginxSite:
    """deploy/nginx.conf with only ports, upstream, paths, certificate and static root substituted,
    inside a main configuration that keeps pid, logs and temporary files in ``tmp_path``."""
    from devtools.mailcatcher import free_port

    assert NGINX, "CI installs nginx (see .ci/run)"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = NginxSite(tmp_path / "nginx.conf", https_port or free_port(), free_port(), tmp_path / "output")
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    # Only the listen lines change, to a free port on 127.0.0.1 (the deployed ones need root and
    # port 80/443, and [::] may be absent in a container); `ssl http2` stays, so the clients below
    # speak HTTPS (HTTP/1.1) to the real TLS server.
    text = _replace(text, "    listen [::]:80;\n", "")
    text = _replace(text, "    listen [::]:443 ssl http2;\n", "")
    text = _replace(text, "listen 80;", f"listen 127.0.0.1:{site.http_port};")
    text = _replace(text, "listen 443 ssl http2;", f"listen 127.0.0.1:{site.https_port} ssl http2;")
    text = _replace(text, "server 127.0.0.1:8001;", f"server 127.0.0.1:{upstream_port};")
    text = _replace(text, "/etc/ssl/certs/ssl-cert-snakeoil.pem", str(cert))
    text = _replace(text, "/etc/ssl/private/ssl-cert-snakeoil.key", str(key))
    text = _replace(text, "/var/log/nginx/", f"{tmp_path}/")
    text = _replace(text, "root /srv/reserve-civique/output;", f"root {site.root};")
    assert all(a.startswith("127.0.0.1:") for a in re.findall(r"listen\s+(\S+)", text)), text
    (tmp_path / "site.conf").write_text(text, encoding="utf-8")
    site.root.mkdir()
    (site.root / "index.html").write_text("<!doctype html><title>Je veux aider</title>", encoding="utf-8")
    (site.root / "404.html").write_text("<!doctype html><title>Page introuvable</title>", encoding="utf-8")
    temp = "\n".join(
        f"    {kind}_temp_path {tmp_path}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Run by root (as in CI), nginx would start its workers as `nobody`, who cannot read the
    # private pytest folders: they keep the user that runs the tests.
    user = "user root;" if os.geteuid() == 0 else ""
    site.conf.write_text(
        f"""{user}
daemon off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
{temp}
    include {tmp_path}/site.conf;
}}
""",
        encoding="utf-8",
    )
    return site


def _tls() -> ssl.SSLContext:
    """The test certificate is self-signed: no verification (loopback only)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def request(port: int, method: str, path: str, body: str | None = None, headers=None, tls=True, timeout=20.0):
    """One request to 127.0.0.1:port (HTTPS: through nginx); return (status, body). The connection
    is closed even when the answer does not come in time (TimeoutError)."""
    if tls:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=_tls())
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body, headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def application(n: int, origin: str) -> tuple[str, dict]:
    """A valid application as the mission page posts it (JSON): body and headers."""
    body = json.dumps({**VALID, "email": f"v{n}@exemple.fr", "last_name": f"Rapide{n}"})
    return body, {"Content-Type": "application/json", "Accept": "application/json", "Origin": origin}


APPLY = "/api/missions/colis-laon/applications"


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


# -- slow clients -------------------------------------------------------------------

STEP = 2.0  # seconds between two pieces of a slow request
MAX_STEPS = 10  # a slow client left unreleased finishes by itself after this many pieces


class SlowClient(threading.Thread):
    """Posts a valid application one piece every STEP seconds (a header line, or a byte of
    the body) until ``release`` is set; then sends the rest at once and reads the answer."""

    def __init__(self, port: int, origin: str, n: int, slow: str, release: threading.Event, tls: bool = False):
        super().__init__(daemon=True)
        self.port, self.tls, self.release = port, tls, release
        text, headers = application(100 + n, origin)
        body = text.encode()
        headers = {"Host": f"127.0.0.1:{port}", **headers, "Content-Length": len(body), "Connection": "close"}
        line = f"POST {APPLY} HTTP/1.1\r\n".encode()
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode() + b"\r\n"
        if slow == "headers":  # one (harmless) header line every STEP, the real ones at the end
            self.first, self.drip, self.rest = line, [b"X-Slow-%d: .\r\n" % i for i in range(MAX_STEPS)], head + body
        else:  # the headers at once, then the body a byte every STEP
            assert len(body) > MAX_STEPS
            self.first, self.drip, self.rest = line + head, [bytes([b]) for b in body[:MAX_STEPS]], body[MAX_STEPS:]
        self.steps = 0  # pieces sent so far
        self.finished = threading.Event()  # the whole request is sent
        self.status: int | None = None
        self.error: Exception | None = None

    def run(self):
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            if self.tls:
                sock = _tls().wrap_socket(sock, server_hostname="127.0.0.1")
            with sock:
                sock.sendall(self.first)
                self.steps = 1
                for piece in self.drip:
                    if self.release.wait(STEP):
                        break
                    sock.sendall(piece)
                    self.steps += 1
                sock.sendall(b"".join(self.drip[self.steps - 1 :]) + self.rest)
                self.finished.set()
                response = http.client.HTTPResponse(sock)
                response.begin()
                response.read()
                self.status = response.status
        except Exception as error:  # reported by the test, with the others' outcomes
            self.error = error


def run_slow_clients(clients: list[SlowClient], release: threading.Event, while_slow):
    """Start the slow clients, wait until each has sent two pieces (one after a pause), call
    ``while_slow()``, note which clients were still sending then, release them and wait for their
    answers. Returns (while_slow's result, how many were still sending when it returned)."""
    for client in clients:
        client.start()
    try:
        assert wait_for(lambda: all(c.steps >= 2 or c.error for c in clients), timeout=20), "slow clients stuck"
        assert [c.error for c in clients] == [None] * len(clients)
        result = while_slow()
        still_sending = sum(not c.finished.is_set() for c in clients)
    finally:
        release.set()
        for client in clients:
            client.join(30)
    return result, still_sending


# -- tests ------------------------------------------------------------------------------


@needs_nginx
def test_nginx_accepts_the_example_configuration(tmp_path):
    site = render_nginx(tmp_path)
    result = subprocess.run([NGINX, "-t", "-c", str(site.conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


@needs_nginx
def test_slow_clients_do_not_stop_others_being_served_through_nginx(make_stack, smtp, nginx):
    """Six slow clients (three times gunicorn's sync workers) dribble a POST through the deployed
    nginx configuration; while they are still sending, a normal application, /healthz and a
    static page are answered, and the slow ones are answered too once they finish."""
    from devtools.mailcatcher import free_port

    https_port = free_port()  # known before gunicorn starts: the handler's SITE_URL is nginx's origin
    origin = f"https://127.0.0.1:{https_port}"
    stack = make_stack(smtp.port, TRUSTED_PROXIES=1, SITE_URL=origin).start_web()  # as deployed
    site = nginx(stack.port, https_port)
    release = threading.Event()
    slow = [SlowClient(site.https_port, origin, n, "headers" if n % 2 else "body", release, tls=True) for n in range(6)]

    def others():
        return [
            request(site.https_port, "POST", APPLY, *application(0, origin))[0],
            request(site.https_port, "GET", "/healthz")[0],
            request(site.https_port, "GET", "/")[0],
        ]

    statuses, still_sending = run_slow_clients(slow, release, others)
    assert statuses == [201, 200, 200]
    # Served while every slow client was still sending (else: only once they had finished).
    assert still_sending == len(slow), "the others waited for the slow clients: they held the handler's workers"
    assert [(c.status, c.error) for c in slow] == [(201, None)] * len(slow)  # nothing lost either
    assert len(stack.rows("SELECT id FROM applications")) == 1 + len(slow)


def test_slow_clients_do_stop_gunicorn_when_it_is_reached_directly(make_stack, smtp):
    """The control: the same slow clients sent straight to gunicorn hold its sync workers, and a
    normal application gets no answer until they finish (so the test above measures something)."""
    stack = make_stack(smtp.port).start_web()
    release = threading.Event()
    slow = [SlowClient(stack.port, stack.url, n, "headers", release) for n in range(WORKERS + 1)]

    def normal():
        try:
            return request(stack.port, "POST", APPLY, *application(0, stack.url), tls=False, timeout=3)[0]
        except TimeoutError:
            return "no answer"

    status, still_sending = run_slow_clients(slow, release, normal)
    assert status == "no answer"  # within the client's timeout: both workers are reading slow requests
    assert still_sending == len(slow)
    assert [(c.status, c.error) for c in slow] == [(201, None)] * len(slow)
    after = request(stack.port, "POST", APPLY, *application(1, stack.url), tls=False)[0]
    assert after == 201  # served again once the slow clients are gone


def test_the_tested_gunicorn_is_the_deployed_one():
    """The tests above start gunicorn like the service does: sync workers, as many, on loopback
    behind the nginx upstream."""
    command = next(line for line in SERVICE.read_text(encoding="utf-8").splitlines() if line.startswith("ExecStart="))
    assert f"--workers {WORKERS} " in command
    assert "--worker-class" not in command and " -k " not in command  # sync, gunicorn's default
    assert "--bind 127.0.0.1:8001 " in command
    assert "server 127.0.0.1:8001;" in (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "unit",
    [
        "reserve-civique-web.service",
        "reserve-civique-outbox@.service",
        "reserve-civique-purge.service",
        "reserve-civique-rebuild.service",
    ],
)
def test_systemd_units_run_the_documented_commands(unit):
    text = (ROOT / "deploy" / unit).read_text(encoding="utf-8")
    assert "ExecStart=/srv/reserve-civique/.venv/bin/" in text
    assert "FLASK_DATABASE=" in text
