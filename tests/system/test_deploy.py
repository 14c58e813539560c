"""The example deployment files: nginx accepts its configuration, and slow clients cannot starve the handler."""

import http.client
import socket
import subprocess
import threading

import pytest

from tests.helpers import ROOT, wait_for
from tests.helpers.nginx import APPLY, NGINX, application, needs_nginx, render_nginx, request, tls_context

SERVICE = ROOT / "deploy" / "reserve-civique-web.service"
WORKERS = 2  # what the Stack fixture starts (gunicorn -w 2, sync workers), checked against SERVICE below


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
                sock = tls_context().wrap_socket(sock, server_hostname="127.0.0.1")
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
