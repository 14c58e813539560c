"""nginx as deployed (deploy/nginx.conf), run on loopback by the system tests, and requests to it."""

import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.constants import ROOT, VALID

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)

needs_nginx = pytest.mark.skipif(
    NGINX is None and not os.environ.get("CI"),
    reason="nginx absent : la configuration n'est vérifiée qu'avec nginx (installé par .ci/run)",
)


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


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, valid a day, and its key, in ``folder``."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def render_nginx(tmp_path: Path, upstream_port: int = 8001, https_port: int | None = None) -> NginxSite:
    """deploy/nginx.conf with only ports, upstream, paths, certificate and static root substituted,
    inside a main configuration that keeps pid, logs and temporary files in ``tmp_path``."""
    from devtools.mailcatcher import free_port

    assert NGINX, "CI installs nginx (see .ci/run)"
    cert, key = self_signed_certificate(tmp_path)
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
    write_main_conf(site.conf, tmp_path, tmp_path / "site.conf", "    access_log off;")
    return site


def write_main_conf(path: Path, folder: Path, include: Path, http_extra: str = "") -> None:
    """nginx's main configuration at ``path``: pid, logs and temporary files in ``folder``, the
    ``http`` block including ``include`` (after ``http_extra``)."""
    temp = "\n".join(
        f"    {kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Run by root (as in CI), nginx would start its workers as `nobody`, who cannot read the
    # private pytest folders: they keep the user that runs the tests.
    user = "user root;" if os.geteuid() == 0 else ""
    extra = f"{http_extra}\n" if http_extra else ""
    path.write_text(
        f"""{user}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
{extra}{temp}
    include {include};
}}
""",
        encoding="utf-8",
    )


def tls_context() -> ssl.SSLContext:
    """The test certificate is self-signed: no verification (loopback only)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def request(port: int, method: str, path: str, body: str | None = None, headers=None, tls=True, timeout=20.0):
    """One request to 127.0.0.1:port (HTTPS: through nginx); return (status, body). The connection
    is closed even when the answer does not come in time (TimeoutError)."""
    if tls:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=tls_context())
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
