"""The handler's layouts against the bare view, on SQLite and PostgreSQL, in one run (issue 20):
``python bench/layouts.py`` (also the first part of ``python bench/handler.py``).

Layouts, each on a fresh gunicorn -w 2 and a fresh database:
- ``bare``: the bare Flask view inserting one row (``bench/bare_app.py``, ``bench/bare_postgres.py``);
- ``floor``: a Flask view that reads the form, checks it by the catalogue's rules and inserts it as
  one row (``bench/floor_app.py``): what any handler that checks applications costs at least;
- ``none``: the handler with no delivery at all (its ceiling: the mail stays queued);
- ``default``: the handler as `make run` and the README's gunicorn command run it (no setting:
  delivery by the web processes themselves);
- ``process``: ``FLASK_OUTBOX_WORKER=none`` and `flask outbox run` beside gunicorn, at Nice=10 (deploy/);
- ``two`` (PostgreSQL): two instances in the default layout, two gunicorn masters on one database,
  loaded at once by two wrk.

Rate limits off (``RATELIMIT_ENABLED=false``, as the issue measured: the bare view counts nothing),
new addresses in every run, posted to the demo's 17 open missions in turn (``--one-mission``: all
to one, which PostgreSQL serialises on that mission's lock), a real SMTP server (its CPU, a relay's work, is not counted). Each
layout is loaded ``warmup`` seconds, then measured ``seconds``; the layouts run in turn, ``rounds``
times, the order rotating (this machine's speed drifts within minutes): each round's ratios
compare figures taken a minute apart. ``--baseline DIR``: the same layouts of another checkout
(``git worktree add DIR main``), measured in the same rounds, for a before/after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.floor_app import POSTGRES_TABLE as FLOOR_TABLE  # noqa: E402
from bench.handler import (  # noqa: E402
    MISSION,
    OPEN_MISSIONS,
    SinkProcess,
    handler_env,
    postgres_server,
    start_gunicorn,
    start_outbox_worker,
    throughput,
    throughput_of_two,
)
from devtools.mailcatcher import free_port  # noqa: E402

LAYOUTS = {
    "sqlite": ("bare", "floor", "none", "default", "process"),
    "postgresql": ("bare", "floor", "none", "default", "process", "two"),
}
LIMITS_OFF = {"RATELIMIT_ENABLED": "false"}
# The reference views (this checkout's only, not the handler's layouts): their gunicorn application
# on SQLite and on PostgreSQL, and the table they need on PostgreSQL, made beforehand.
REFERENCES = {
    "bare": (
        "bench.bare_app:create_app()",
        "bench.bare_postgres:create_app()",
        "CREATE TABLE bare_rows (id bigserial PRIMARY KEY, body text)",
    ),
    "floor": ("bench.floor_app:create_app()", "bench.floor_app:create_app()", FLOOR_TABLE),
}


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) used so far by ``pids`` and their children (gunicorn's workers,
    PostgreSQL's backends): per application, a cost that other work on the machine barely changes."""
    total = 0
    for pid in pids:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        for one in [str(pid), *children]:
            try:
                fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def postmaster(pg) -> int:
    """The PostgreSQL server's main process, whose children are the backends."""
    return int((pg.folder / "data" / "postmaster.pid").read_text().split()[0])


class Measure:
    """One layout's figures: applications per second, mails arriving during the measure, CPU per application."""

    def __init__(self, rate: float, mails: int, cpu_ms: float, errors: str):
        self.rate, self.mails, self.cpu_ms, self.errors = rate, mails, cpu_ms, errors


def start_layout(
    layout: str, database: str, work: Path, smtp: SinkProcess, root: Path, pg
) -> tuple[list, list[int], str]:
    """Serve ``layout`` on a fresh database of ``database``'s kind: its processes, the ports to
    load, and the PostgreSQL database's URL (or ``""``)."""
    ports = [free_port()] + ([free_port()] if layout == "two" else [])
    origins = ",".join(f"http://127.0.0.1:{port}" for port in ports)
    env = handler_env(work, origins.split(",")[0], smtp.port, ALLOWED_ORIGINS=origins, **LIMITS_OFF)
    url = pg.create_database(empty=True) if database == "postgresql" else ""
    if url:
        env["FLASK_DATABASE"] = url
    if layout in REFERENCES:
        on_sqlite, on_postgres, table = REFERENCES[layout]
        if url:
            import psycopg

            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(table)
        env["BARE_DATABASE"] = url or str(work / f"{layout}.sqlite3")
        return [start_gunicorn(env, ports[0], on_postgres if url else on_sqlite, root=root)], ports, url
    if layout in ("none", "process"):
        env["FLASK_OUTBOX_WORKER"] = "none"
    processes = [start_gunicorn(env, port, root=root) for port in ports]
    if layout == "process":
        processes.append(start_outbox_worker(env, root=root))
    return processes, ports, url


def measure(
    layout: str, database: str, smtp: SinkProcess, seconds: int, warmup: int, root: Path, pg, missions: tuple
) -> Measure:
    work = Path(tempfile.mkdtemp())
    processes, ports, url = start_layout(layout, database, work, smtp, root, pg)
    origins = [f"http://127.0.0.1:{port}" for port in ports]
    counted = [proc.pid for proc in processes] + ([postmaster(pg)] if database == "postgresql" else [])

    def load(duration: int) -> tuple[float, str]:
        if layout == "two":
            return throughput_of_two(ports, origins, duration, missions)
        return throughput(ports[0], origins[0], duration, missions)

    try:
        load(warmup)
        mails, cpu = smtp.count(), cpu_seconds(counted)
        rate, errors = load(seconds)
        cpu_ms = 1000 * (cpu_seconds(counted) - cpu) / max(1.0, rate * seconds)
        return Measure(rate, smtp.count() - mails, cpu_ms, errors)
    finally:
        for proc in processes:
            proc.terminate()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)
        if url:  # its rows would cost the next layouts the server's background work (autovacuum)
            pg.drop_database(url)


def compare(
    rounds: int, seconds: int, warmup: int, databases: list[str], baseline: Path | None, missions: tuple = OPEN_MISSIONS
) -> dict:
    """Each database's layouts (and the baseline's, ``before:…``) in turn, ``rounds`` times, posting
    to ``missions`` in turn; prints each round as it ends and returns ``{database: {layout: [Measure
    per round]}}``."""
    smtp = SinkProcess()
    pg = postgres_server() if "postgresql" in databases else None
    if "postgresql" in databases and pg is None:
        print("PostgreSQL absent (apt-get install postgresql) : mesuré sur SQLite seulement")
        databases = [d for d in databases if d != "postgresql"]
    found: dict[str, dict[str, list[Measure]]] = {}
    try:
        for database in databases:
            kinds = [(layout, ROOT) for layout in LAYOUTS[database]]
            if baseline is not None:
                kinds += [(f"before:{layout}", baseline) for layout in LAYOUTS[database] if layout not in REFERENCES]
            found[database] = {name: [] for name, _ in kinds}
            for n in range(rounds):
                load = os.getloadavg()
                for name, root in kinds[n % len(kinds) :] + kinds[: n % len(kinds)]:
                    layout = name.split(":")[-1]
                    found[database][name].append(measure(layout, database, smtp, seconds, warmup, root, pg, missions))
                print_round(database, n, found[database], load)
    finally:
        smtp.stop()
        if pg is not None:
            pg.stop()
    return found


def print_round(database: str, n: int, found: dict[str, list], load: tuple[float, float, float]) -> None:
    bare = found["bare"][n].rate
    cells = []
    for name, measures in found.items():
        m = measures[n]
        ratio = f" ({m.rate / bare:.2f})" if name != "bare" else ""
        mails = f", {m.mails} courriers" if m.mails else ""
        cells.append(f"{name} {m.rate:.0f}/s{ratio}{mails}, {m.cpu_ms:.2f} ms CPU {m.errors}".strip())
    print(f"{database} tour {n + 1} (charge {load[0]:.1f}) : " + " ; ".join(cells), flush=True)


def summary(found: dict) -> None:
    """The Markdown table of docs/benchmarks.md: per database and layout, the median rate and each
    round's ratio to the bare view (min–max), the CPU per application."""
    print("\n| base | disposition | candidatures/s (médiane) | rapport à la vue nue, par tour | CPU par candidature |")
    print("| --- | --- | --- | --- | --- |")
    for database, layouts in found.items():
        bare = [m.rate for m in layouts["bare"]]
        for name, measures in layouts.items():
            ratios = [m.rate / b for m, b in zip(measures, bare, strict=True)]
            cell = "—" if name == "bare" else f"{min(ratios):.2f}–{max(ratios):.2f}"
            print(
                f"| {database} | {name} | {statistics.median(m.rate for m in measures):.0f} | {cell}"
                f" | {statistics.median(m.cpu_ms for m in measures):.2f} ms |"
            )
        if "two" in layouts:
            ones = [m.rate for m in layouts["default"]]
            ratios = [m.rate / one for m, one in zip(layouts["two"], ones, strict=True)]
            print(f"| {database} | deux instances / une | | {min(ratios):.2f}–{max(ratios):.2f} | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--baseline", type=Path, help="another checkout measured in the same rounds (before/after)")
    parser.add_argument(
        "--one-mission",
        action="store_true",
        help=f"every application to {MISSION} (the open missions in turn otherwise)",
    )
    args = parser.parse_args()
    missions = (MISSION,) if args.one_mission else OPEN_MISSIONS
    summary(compare(args.rounds, args.seconds, args.warmup, args.databases.split(","), args.baseline, missions))


if __name__ == "__main__":
    main()
