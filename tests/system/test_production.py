"""docs/production.md: its commands are run here, or taken from files that the suite runs; the
database's backup is taken while the handler writes, restored, and read back whole; the units are
accepted by systemd."""

import csv
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, wait_for
from tests.helpers.guide import GUIDE, run_lines, section, shell_blocks, unit_setting

DEPLOY = ROOT / "deploy"
BACKUP_UNIT = DEPLOY / "reserve-civique-backup.service"


def backup_command() -> list[str]:
    """ExecStart of the backup unit, split as systemd does (no escapes in it: the same as the shell's)."""
    line = unit_setting(BACKUP_UNIT, "ExecStart")
    assert "\\" not in line and "${" not in line, "systemd and sh would read the line differently"
    return shlex.split(line)


# -- backup and restore ---------------------------------------------------------------


class Poster(threading.Thread):
    """Posts applications one after the other, noting when each was acknowledged (201)."""

    def __init__(self, stack):
        super().__init__(daemon=True)
        self.stack, self.stop = stack, threading.Event()
        self.acknowledged: list[tuple[float, str]] = []  # (when, the volunteer's address)

    def run(self):
        n = 0
        while not self.stop.is_set():
            if self.stack.post(n) == 201:
                self.acknowledged.append((time.monotonic(), f"v{n}@exemple.fr"))
            n += 1


def test_a_backup_taken_while_the_handler_writes_restores_every_application(make_stack, smtp, tmp_path, shims):
    stack = make_stack(smtp.port).start_web()
    database = Path(stack.database)
    backups = tmp_path / "backups"
    backups.mkdir()
    poster = Poster(stack)
    poster.start()
    try:
        assert wait_for(lambda: len(poster.acknowledged) >= 20, timeout=60)
        started = time.monotonic()
        env = {**os.environ, "FLASK_DATABASE": str(database), "BACKUP_DIR": str(backups)}
        result = subprocess.run(backup_command(), env=env, capture_output=True, text=True)  # as systemd runs it
        assert result.returncode == 0, result.stderr
        assert wait_for(lambda: poster.acknowledged[-1][0] > time.monotonic() - 1 and len(poster.acknowledged) > 30)
    finally:
        poster.stop.set()
        poster.join(30)
    before = {email for when, email in poster.acknowledged if when < started}
    everything = {email for _, email in poster.acknowledged}
    (copy,) = backups.iterdir()
    assert re.fullmatch(r"reserve-civique-[1-7]\.sqlite3", copy.name)

    stack.stop()
    restore = shell_blocks(section(10))[0]
    user = f"-o {os.getuid()} -g {os.getgid()}"
    run_lines(restore, {"/var/lib/reserve-civique/reserve-civique.sqlite3": str(database),
                        "/var/backups/reserve-civique/reserve-civique-3.sqlite3": str(copy),
                        "-o reserve-civique -g reserve-civique": user}, shims)  # fmt: skip
    assert shims[1].read_text(encoding="utf-8").splitlines() == [
        "stop reserve-civique-web reserve-civique-outbox@*",
        "start reserve-civique-web reserve-civique-outbox@1",
    ]
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    export = tmp_path / "export.csv"
    command = [
        str(ROOT / ".venv" / "bin" / "flask"),
        "--app",
        "formhandler",
        "applications",
        "export",
        "-o",
        str(export),
    ]
    result = subprocess.run(command, cwd=ROOT, env=stack.env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with export.open(encoding="utf-8", newline="") as handle:
        restored = {row["email"] for row in csv.DictReader(handle)}
    assert before <= restored <= everything  # every application acknowledged before the backup, none invented
    assert len(before) >= 20


def test_the_guide_quotes_the_backup_units_command():
    (line,) = shell_blocks(section(9))[0][:1]
    assert backup_command()[:2] == ["/bin/sh", "-c"] and line == backup_command()[2]
    assert unit_setting(BACKUP_UNIT, "BACKUP_DIR") == "/var/backups/reserve-civique"
    timer = (DEPLOY / "reserve-civique-backup.timer").read_text(encoding="utf-8")
    assert "OnCalendar=*-*-* 03:30:00\n" in timer  # as the guide says: « à 3 h 30 »
    assert "à 3 h 30" in GUIDE.read_text(encoding="utf-8")


# -- monitoring -------------------------------------------------------------------------


def test_the_monitoring_commands_answer(make_stack, smtp, shims):
    stack = make_stack(smtp.port).start_web()
    assert stack.post(1) == 201
    lines = shell_blocks(section(11))[0]
    healthz, outbox, _ = run_lines(lines, {
        "http://127.0.0.1:8001": stack.url,
        "/var/lib/reserve-civique/reserve-civique.sqlite3": stack.database,
        "/srv/reserve-civique/.venv/bin/flask": str(ROOT / ".venv" / "bin" / "flask"),
    }, shims)  # fmt: skip
    assert json.loads(healthz.stdout)["database"] == "ok"
    assert outbox.stdout.splitlines()[-1] == "0 en attente, 0 en échec"
    assert shims[1].read_text(encoding="utf-8") == "--failed\n"


# -- every command of the guide -----------------------------------------------------------


def _units() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in DEPLOY.glob("reserve-civique-*")}


def _makefile_venv_lines() -> list[str]:
    """The Makefile's lines that make .venv, with its variables as `make` has them by default."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^\$\(STAMP\): requirements.lock\n((?:\t.*\n)+)", text, re.M).group(1)
    expanded = recipe.replace("$(PYTHON)", "python3").replace("$(VENV)", ".venv")
    return [line.strip().removeprefix("test -x .venv/bin/python || ") for line in expanded.splitlines()]


def _system_line_is_right(line: str) -> bool:
    """A command of the system's (packages, user, nginx, systemd, keys, git), checked for what it names."""
    units = _units()
    web = units["reserve-civique-web.service"]
    home = str(Path(unit_setting(DEPLOY / "reserve-civique-web.service", "FLASK_DATABASE")).parent)
    checkout = re.search(r"^WorkingDirectory=(.*)$", web, re.M).group(1)
    user = re.search(r"^User=(.*)$", web, re.M).group(1)
    words = shlex.split(line)
    if words[:4] == ["sudo", "-u", user, "git"]:
        words = words[3:]
    match words:
        case ["apt-get", "install", *packages]:
            return {"git", "make", "python3", "python3-venv", "nginx-light", "sqlite3", "rsync", "curl"} <= set(
                packages
            )
        case ["adduser", "--system", "--group", "--home", folder, name]:
            return (folder, name) == (home, user)
        case ["install", "-d", *_, "/etc/reserve-civique"]:
            return True
        case ["install", "-d", "-o", owner, "-g", group, "-m", _, *folders]:
            backup_dir = unit_setting(BACKUP_UNIT, "BACKUP_DIR")
            return owner == group == user and set(folders) == {checkout, backup_dir}
        case ["git", "clone", _, folder] | ["cd", folder]:
            return folder == checkout
        case ["git", "pull", "--ff-only"] | ["systemctl", "daemon-reload"] | ["nginx", "-t"]:
            return True
        case ["cp", *sources, _]:
            return all(list(ROOT.glob(source)) for source in sources)
        case ["ln", "-s", source, target]:
            return Path(source).name == Path(target).name == "reserve-civique"
        case ["systemctl", "reload", "nginx"]:
            return True
        case ["systemctl", "enable" | "start" | "stop" | "restart", *names]:
            names = [name for name in names if name != "--now"]
            return all(re.sub(r"@[^.]*", "@", name).removesuffix(".service") + (
                "" if name.endswith(".timer") else ".service") in units for name in names)  # fmt: skip
        case ["ssh-keygen", "-t", "ed25519", *_] | ["ssh-keyscan", "-t", "ed25519", _]:
            return "id_ed25519" in (ROOT / ".github/workflows/site.yml").read_text(encoding="utf-8")
        case ["rsync", "-a", source, _]:
            return source.rstrip("/") == unit_setting(BACKUP_UNIT, "BACKUP_DIR")
        case ["systemctl", "--failed"] | ["curl", "-fsS", _]:
            return True  # run by test_the_monitoring_commands_answer
    return False


def test_every_command_of_the_guide_is_tested():
    """Each command is: run by a test of this file (the backup, the restore, the monitoring); one of a
    file that the suite runs (the Makefile's lines that make .venv, the rebuild unit's command); or a
    command of the system's whose names (user, folders, units, files of deploy/) are those of the
    units and files it sets up."""
    run_here = {*shell_blocks(section(9))[0][:1], *shell_blocks(section(10))[0], *shell_blocks(section(11))[0]}
    run_here |= {line for block in shell_blocks(section(13)) for line in block}  # tests/system/test_two_servers.py
    from_files = set(_makefile_venv_lines())
    rebuild = unit_setting(DEPLOY / "reserve-civique-rebuild.service", "ExecStart")  # run by test_publication.py
    unchecked = []
    for block in shell_blocks(GUIDE.read_text(encoding="utf-8")):
        for line in block:
            bare = line.removeprefix("sudo -u reserve-civique ")
            if line in run_here or bare in from_files:
                continue
            if bare.startswith("env SITEURL=") and bare.split(" ", 2)[2] == rebuild:
                continue
            if not _system_line_is_right(line):
                unchecked.append(line)
    assert unchecked == []


def test_the_readme_links_the_guide():
    assert "(docs/production.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_nginx_logs_are_those_its_package_rotates():
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    logs = [log for log in re.findall(r"^\s*(?:access|error)_log\s+(\S+)", conf, re.M) if log != "off;"]
    assert logs and all(re.fullmatch(r"/var/log/nginx/[^/]+\.log", log) for log in logs)


# -- the units, as systemd reads them ----------------------------------------------------------


def test_systemd_accepts_every_unit():
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        assert not os.environ.get("CI"), "CI installs systemd (see .ci/run)"
        pytest.skip("systemd-analyze absent : installez systemd")
    units = sorted(str(path) for path in DEPLOY.glob("reserve-civique-*"))
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True)
    # the only complaint allowed: the virtualenv's programs are not installed on this machine
    complaints = [line for line in (result.stdout + result.stderr).splitlines()
                  if not re.search(r"Command /srv/reserve-civique/\.venv/bin/\w+ is not executable", line)]  # fmt: skip
    assert complaints == []


@pytest.mark.parametrize("name", ["nginx.conf", "two-servers/nginx-front.conf"])
def test_no_nginx_log_keeps_a_signed_links_token(name):
    """The access log's format hides tokens; the redirect from port 80 and the error log (which
    writes the request line with an upstream's failure or a limit's refusal) must not keep them."""
    conf = (DEPLOY / name).read_text(encoding="utf-8")
    plain = conf[conf.index("listen 80;") : conf.index("}", conf.index("listen 80;"))]
    assert "access_log off;" in plain
    proxied = re.findall(r"location (/api/|/candidatures/|/) \{(.*?)\n    \}", conf, re.S)
    for path, block in proxied:
        if "proxy_pass" in block:
            assert re.search(r"error_log \S+ crit;", block) or re.search(r"^    error_log \S+ crit;", conf, re.M), path
