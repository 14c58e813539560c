"""The example deployment files: nginx accepts its configuration."""

import os
import shutil
import subprocess

import pytest

from conftest import ROOT

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


@pytest.mark.skipif(
    NGINX is None and not os.environ.get("CI"),
    reason="nginx absent : la configuration n'est vérifiée qu'avec nginx (installé par .ci/run)",
)
def test_nginx_accepts_the_example_configuration(tmp_path):
    assert NGINX, "CI installs nginx (see .ci/run)"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=test", "-days", "1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/certs/ssl-cert-snakeoil.pem", str(cert)).replace(
        "/etc/ssl/private/ssl-cert-snakeoil.key", str(key)
    )
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    main = f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp_path};
    proxy_temp_path {tmp_path};
    include {tmp_path}/site.conf;
}}
"""
    (tmp_path / "nginx.conf").write_text(main, encoding="utf-8")
    result = subprocess.run([NGINX, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


@pytest.mark.parametrize(
    "unit", ["reserve-civique-web.service", "reserve-civique-outbox@.service", "reserve-civique-purge.service"]
)
def test_systemd_units_run_the_documented_commands(unit):
    text = (ROOT / "deploy" / unit).read_text(encoding="utf-8")
    assert "ExecStart=/srv/reserve-civique/.venv/bin/" in text
    assert "FLASK_DATABASE=" in text
