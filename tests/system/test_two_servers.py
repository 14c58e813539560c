"""The two-server layout (docs/production.md, section 13; deploy/two-servers/): each command of the
section run here or checked against the files it installs; the front nginx in front of two
instances on one PostgreSQL database, one of them killed; the PostgreSQL backup taken while they
write, then restored with the guide's lines."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from devtools.mailcatcher import free_port
from formhandler import postgres_schema
from tests.helpers import ROOT, Tables, wait_for
from tests.helpers.guide import run_lines, section, shell_blocks, unit_setting
from tests.helpers.nginx import NGINX, application, needs_nginx, request, self_signed_certificate, write_main_conf

HERE = ROOT / "deploy" / "two-servers"
BACKUP_UNIT = HERE / "reserve-civique-pg-backup.service"
DATABASE_URL = "postgresql://reserve_civique@10.0.0.20/reserve_civique"  # as the guide writes it
FLASK = "/srv/reserve-civique/.venv/bin/flask"


def blocks() -> list[list[str]]:
    return shell_blocks(section(13))


def _client_env(server) -> dict[str, str]:
    """PostgreSQL's client programs (the server's version) talking to the tests' server."""
    return {"PATH": f"{server.bindir}:{os.environ['PATH']}", "PGHOST": "127.0.0.1", "PGPORT": str(server.port)}


# -- the guide's commands ------------------------------------------------------------------------


def test_the_section_has_the_blocks_these_tests_run():
    """A block added to the section needs its test here (test_production skips section 13 for them)."""
    assert [len(block) for block in blocks()] == [3, 3, 4, 3, 1, 3, 3]


def test_the_database_server_lines_make_a_role_that_owns_its_database(postgres_server, shims):
    install, *make = blocks()[0]
    assert shlex.split(install) == ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"]
    admin = postgres_server.admin()
    try:
        run_lines(make, {}, shims, env={**_client_env(postgres_server), "PGUSER": "postgres"})
        url = f"postgresql://reserve_civique@127.0.0.1:{postgres_server.port}/reserve_civique"
        result = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "flask"), "--app", "formhandler", "db", "upgrade"],
            cwd=ROOT, env={**os.environ, "FLASK_DATABASE": url, "FLASK_SECRET_KEY": "k" * 64}, capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert (
            f"schéma déjà en version {postgres_schema.SCHEMA_VERSION}" in result.stdout
        )  # made as the app started: no superuser needed
        with Tables(url) as tables:
            assert tables("SELECT rolsuper FROM pg_roles WHERE rolname = current_user") == [(False,)]
    finally:
        admin.execute("DROP DATABASE IF EXISTS reserve_civique WITH (FORCE)")
        admin.execute("DROP ROLE IF EXISTS reserve_civique")


@pytest.mark.backends("sqlite")
def test_the_guides_lines_move_a_sqlite_database_to_postgresql(make_app, post, postgres_database, shims):
    app = make_app(MAIL_PORT=free_port())  # a department's server; its mails wait for SMTP
    for n in range(3):
        post(email=f"v{n}@exemple.fr")
    source = Tables(app.config["DATABASE"])
    run_lines(blocks()[1], {
        "/var/lib/reserve-civique/reserve-civique.sqlite3": app.config["DATABASE"],
        DATABASE_URL: postgres_database,
        FLASK: str(ROOT / ".venv" / "bin" / "flask"),
    }, shims)  # fmt: skip
    assert shims[1].read_text(encoding="utf-8").splitlines() == [
        "stop reserve-civique-web reserve-civique-outbox@*",
        "start reserve-civique-web reserve-civique-outbox@1",
    ]
    with Tables(postgres_database) as target:
        for table in ("applications", "outbox"):
            assert target(f"SELECT * FROM {table} ORDER BY 1") == source(f"SELECT * FROM {table} ORDER BY 1")
        assert target("SELECT COUNT(*) FROM outbox WHERE status = 'pending'") == [(6,)]


def _installs_what_it_names(line: str) -> bool:
    """A command of the system's that copies or enables a file of deploy/two-servers/ under the name it uses."""
    words = shlex.split(line)
    match words:
        case ["cp", *sources, target]:
            return all((ROOT / source).is_file() for source in sources) and target.startswith("/etc/")
        case ["ln", "-s", source, target]:
            return Path(source).name == Path(target).name == "reserve-civique-front"
        case ["nginx", "-t"] | ["systemctl", "reload", "nginx"] | ["systemctl", "daemon-reload"]:
            return True
        case ["systemctl", "enable", "--now", *units]:
            return all((HERE / unit).is_file() for unit in units)
    return False


def test_the_lines_that_install_files_name_the_files_of_deploy():
    front, host, _, units = blocks()[2], blocks()[3], blocks()[4], blocks()[5]
    assert [line for line in front + host + units if not _installs_what_it_names(line)] == []
    assert shlex.split(front[0])[1] == "deploy/two-servers/nginx-front.conf"
    assert shlex.split(host[0])[2].startswith("/etc/nginx/conf.d/")  # read by nginx's main configuration


def test_the_guide_quotes_the_backup_units_command():
    line = unit_setting(BACKUP_UNIT, "ExecStart")
    words = shlex.split(line)
    assert words[:2] == ["/bin/sh", "-c"] and blocks()[4] == [words[2]]
    assert "OnCalendar=*-*-* 03:30:00\n" in (HERE / "reserve-civique-pg-backup.timer").read_text(encoding="utf-8")
    env = (HERE / "env").read_text(encoding="utf-8")
    assert f"FLASK_DATABASE={DATABASE_URL}\n" in env


def test_systemd_accepts_the_units():
    analyze = subprocess.run(["which", "systemd-analyze"], capture_output=True, text=True).stdout.strip()
    if not analyze:
        assert not os.environ.get("CI"), "CI installs systemd (see .ci/run)"
        pytest.skip("systemd-analyze absent : installez systemd")
    units = sorted(str(path) for path in HERE.glob("reserve-civique-*"))
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True)
    assert (result.stdout + result.stderr).strip() == ""


# -- the backup, taken while both instances write, and its restoration ------------------------------


@pytest.mark.backends("postgresql")
def test_a_backup_taken_while_two_instances_write_restores_every_application(
    make_stack, smtp, database, postgres_server, shims, tmp_path
):
    stacks = [make_stack(smtp.port).start_web(), make_stack(smtp.port).start_web()]
    backups = tmp_path / "backups"
    backups.mkdir()
    acknowledged: list[tuple[float, str]] = []
    stop = threading.Event()

    def poster(k: int) -> None:
        n = k
        while not stop.is_set():
            if stacks[k].post(n) == 201:
                acknowledged.append((time.monotonic(), f"v{n}@exemple.fr"))
            n += 2  # one instance posts the even ones, the other the odd ones

    threads = [threading.Thread(target=poster, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    try:
        assert wait_for(lambda: len(acknowledged) >= 20, timeout=60)
        started = time.monotonic()
        env = {**os.environ, **_client_env(postgres_server), "FLASK_DATABASE": database, "BACKUP_DIR": str(backups)}
        result = subprocess.run(shlex.split(unit_setting(BACKUP_UNIT, "ExecStart")), env=env, capture_output=True,
                                text=True)  # as systemd runs it  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert wait_for(lambda: acknowledged[-1][0] > time.monotonic() - 1 and len(acknowledged) > 30)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    before = {email for when, email in acknowledged if when < started}
    everything = {email for _, email in acknowledged}
    (copy,) = backups.iterdir()
    assert re.fullmatch(r"reserve-civique-[1-7]\.dump", copy.name)
    for stack in stacks:
        stack.stop()

    run_lines(blocks()[6], {
        DATABASE_URL: database,
        "/var/backups/reserve-civique/reserve-civique-3.dump": str(copy),
    }, shims, env=_client_env(postgres_server))  # fmt: skip
    assert shims[1].read_text(encoding="utf-8").splitlines() == [
        "stop reserve-civique-web reserve-civique-outbox@*",
        "start reserve-civique-web reserve-civique-outbox@1",
    ]
    with Tables(database) as tables:
        restored = [row[0] for row in tables("SELECT email FROM applications")]
        assert tables("SELECT version FROM schema_version") == [(postgres_schema.SCHEMA_VERSION,)]
    assert before <= set(restored) <= everything  # every application acknowledged before the backup, none invented
    assert len(restored) == len(set(restored)) and len(before) >= 20


# -- the front nginx, in front of two instances ------------------------------------------------------


def render_front(tmp_path: Path, upstreams: list[int], port: int) -> Path:
    """deploy/two-servers/nginx-front.conf with its ports, upstreams (plain HTTP gunicorn here, as
    the hosts' nginx is not run), paths and certificate replaced, listening on ``port``; its main configuration."""
    cert, key = self_signed_certificate(tmp_path)
    text = (HERE / "nginx-front.conf").read_text(encoding="utf-8")
    for old, new in [
        ("    listen [::]:80;\n", ""), ("    listen [::]:443 ssl http2;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{free_port()};"), ("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl;"),
        ("server 10.0.0.11:443", f"server 127.0.0.1:{upstreams[0]}"),
        ("server 10.0.0.12:443", f"server 127.0.0.1:{upstreams[1]}"),
        ("proxy_pass https://", "proxy_pass http://"),
        ("/etc/ssl/certs/ssl-cert-snakeoil.pem", str(cert)), ("/etc/ssl/private/ssl-cert-snakeoil.key", str(key)),
        ("/var/log/nginx/", f"{tmp_path}/"),
    ]:  # fmt: skip
        assert old in text, old
        text = text.replace(old, new)
    (tmp_path / "front.conf").write_text(text, encoding="utf-8")
    main = tmp_path / "nginx.conf"
    write_main_conf(main, tmp_path, tmp_path / "front.conf")
    return main


def _kill(stack) -> None:
    """SIGKILL to the master first (it would start new workers), then to its workers."""
    for pid in [stack.web.pid, *stack.web_worker_pids()]:
        os.kill(pid, signal.SIGKILL)
    stack.web.wait()


@needs_nginx
@pytest.mark.backends("postgresql")
def test_the_front_nginx_spreads_applications_over_both_hosts_and_survives_one(make_stack, smtp, tmp_path):
    front_port = free_port()
    origin = f"https://127.0.0.1:{front_port}"
    stacks = [make_stack(smtp.port, TRUSTED_PROXIES=1, SITE_URL=origin).start_web() for _ in range(2)]
    main = render_front(tmp_path, [stack.port for stack in stacks], front_port)
    result = subprocess.run([NGINX, "-t", "-c", str(main)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    nginx = subprocess.Popen([NGINX, "-c", str(main)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: _answers(front_port), timeout=30)
        statuses = [request(front_port, "POST", "/api/missions/colis-laon/applications", *application(n, origin))[0]
                    for n in range(20)]  # fmt: skip
        assert statuses == [201] * 20
        log = (tmp_path / "reserve-civique-front.access.log").read_text(encoding="utf-8")
        served = {stack.port: log.count(f"127.0.0.1:{stack.port}") for stack in stacks}
        assert all(count >= 5 for count in served.values()), served  # both hosts take applications
        _kill(stacks[0])  # one host is gone
        statuses = [request(front_port, "POST", "/api/missions/colis-laon/applications", *application(n, origin))[0]
                    for n in range(20, 40)]  # fmt: skip
        assert statuses == [201] * 20  # the other takes them all
        stored = {row[0] for row in stacks[1].rows("SELECT last_name FROM applications")}
        assert stored == {f"Rapide{n}" for n in range(40)}
    finally:
        nginx.terminate()
        nginx.wait(10)


def _answers(port: int) -> bool:
    try:
        request(port, "GET", "/healthz", timeout=2)
    except OSError:
        return False
    return True


@needs_nginx
def test_each_hosts_nginx_accepts_the_real_ip_setting_beside_its_site(tmp_path):
    from tests.helpers.nginx import render_nginx

    site = render_nginx(tmp_path)
    main = site.conf.read_text(encoding="utf-8")
    site.conf.write_text(main.replace("http {", f"http {{\n    include {HERE / 'nginx-realip.conf'};", 1))
    result = subprocess.run([NGINX, "-t", "-c", str(site.conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
