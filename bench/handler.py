"""Benchmark of the form handler (not a test): ``python bench/handler.py``.

Starts the real thing on loopback: gunicorn -w 2 'formhandler:create_app()'
on a fresh SQLite file (WAL, synchronous=FULL), a real SMTP server (aiosmtpd),
then measures:
- throughput: valid applications stored per second (wrk, 16 connections, 10 s), on SQLite and on
  PostgreSQL (a throwaway server of this machine, its defaults: fsync and synchronous_commit on),
  each against a bare Flask view inserting one row into the same database, and with two
  instances on PostgreSQL (two gunicorn masters, one database);
- the delivery layouts (:func:`compare_layouts`): applications stored per second by the default
  layout (a delivery thread in each web process), by `flask outbox run` beside gunicorn, and by
  the handler with no delivery (the ceiling), each against the bare view measured in the same
  round; the mail delay at 100 applications per second in the default layout;
- throughput: valid applications stored per second (wrk, 16 connections, 10 s);
- latency at a steady 100 requests per second (p50, p99), with delivery on;
- delay from the answer to the mail's arrival at the SMTP server (p95);
- start-up with 10,000 missions (from process start to a first answer about a mission).
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from bench.smtp_sink import read_journal  # noqa: E402
from devtools.mailcatcher import free_port  # noqa: E402
from formhandler.settings import environ, local_config  # noqa: E402

MISSION = "appels-convivialite-saint-quentin"  # open, remote, one requirement
TODAY = "2026-11-29"

# Every address is new: wrk's Lua starts each run from the same random seed and the same counter,
# so each run tags its addresses (a run repeating the warm-up's forms found them all as duplicates,
# answered without writing anything: an easier load than the bare view's inserts).
WRK_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local body = "first_name=Jeanne&last_name=Charge&email=w" .. counter .. "-%s" ..
    "@exemple.fr&birth_date=1980-01-01&postal_code=02000&consent=oui&accept_requirements=oui"
  return wrk.format("POST", "/api/missions/%s/applications", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
    ["Origin"] = "%s"}, body)
end
"""


class SinkProcess:
    """The SMTP server (aiosmtpd, `bench/smtp_sink.py`) in its own process, noting each mail's arrival."""

    def __init__(self):
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp())
        self.journal = self.folder / "arrivals.txt"
        self.journal.touch()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.smtp_sink", str(self.port), str(self.journal)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.0)

    def count(self) -> int:
        return len(read_journal(self.journal))

    def arrivals(self) -> list[tuple[float, str]]:
        """(arrival time, volunteer address's local part) of every mail received."""
        return read_journal(self.journal)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def handler_env(work: Path, origin: str, mail_port: int, **settings) -> dict:
    """Environment of the benchmarked handler: a fresh database, the demo content, no rate limit."""
    return {**os.environ, **environ(local_config(work, origin, mail_port, TODAY=TODAY, **settings))}


def mail_delays(arrivals: list[tuple[float, str]], answered: dict[str, float]) -> list[float]:
    """Each mail's delay, from the answer to its application to its arrival at the SMTP server."""
    answered_at = {name.lower(): moment for name, moment in answered.items()}
    return [moment - answered_at[who] for moment, who in arrivals if who in answered_at]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def start_gunicorn(env: dict, port: int, app: str = "formhandler:create_app()") -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def start_outbox_worker(env: dict) -> subprocess.Popen:
    """The production layout's delivery process: `flask --app formhandler outbox run`, at Nice=10 as deployed."""
    return subprocess.Popen(
        ["nice", "-n", "10", sys.executable, "-m", "flask", "--app", "formhandler", "outbox", "run"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def postgres_server():
    """A PostgreSQL server of its own in a temporary folder (as the tests start theirs), or ``None``
    without PostgreSQL installed."""
    from tests.helpers import PostgresServer, postgres_bin

    bindir = postgres_bin()
    return PostgresServer(bindir).start() if bindir else None


def throughput(port: int, origin: str, seconds: int) -> tuple[float, str]:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_SCRIPT % (secrets.token_hex(6), MISSION, origin), encoding="utf-8")
    out = subprocess.run(
        ["wrk", "-t", "1", "-c", "16", "-d", f"{seconds}s", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))
    non2xx = next((line for line in out.splitlines() if "Non-2xx" in line), "")
    return rate, non2xx


def steady_throughput(
    env: dict, port: int, origin: str, app: str = "formhandler:create_app()", warmup: int = 20
) -> tuple[float, str]:
    """:func:`throughput` over 10 s after ``warmup`` seconds of the same load, on a gunicorn of its own."""
    proc = start_gunicorn(env, port, app)
    try:
        throughput(port, origin, warmup)
        return throughput(port, origin, 10)
    finally:
        proc.terminate()
        proc.wait()


def throughput_of_two(ports: list[int], origins: list[str], seconds: int) -> tuple[float, str]:
    """:func:`throughput` of two instances at once (two wrk, one against each): the sum."""
    results: list[tuple[float, str]] = [(0.0, "")] * 2

    def run(k: int) -> None:
        results[k] = throughput(ports[k], origins[k], seconds)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(rate for rate, _ in results), " ".join(non2xx for _, non2xx in results if non2xx)


POSTGRES_ROUNDS = 3


def cpu_seconds(parents: list[int]) -> float:
    """CPU time (user + system) used so far by the children of ``parents``: gunicorn's workers, the
    PostgreSQL server's backends. Per request, a cost that other work on the machine barely changes."""
    total = 0
    for parent in parents:
        children = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout.split()
        for pid in children:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def measured(run, parents: list[int]) -> tuple[float, str, float]:
    """``run()``'s (rate, non-2xx), and the CPU milliseconds per request it cost the ``parents``' children."""
    before = cpu_seconds(parents)
    start = time.monotonic()
    rate, non2xx = run()
    elapsed = time.monotonic() - start
    return rate, non2xx, 1000 * (cpu_seconds(parents) - before) / max(1.0, rate * elapsed)


def measure_postgres(env: dict, port: int, origin: str) -> dict[str, list[tuple[float, str, float]]] | None:
    """Throughput on PostgreSQL, ``None`` without it: the bare view, the handler (one instance), two
    instances on one database. All run side by side and are measured in turn, ``POSTGRES_ROUNDS``
    times after their warm-up: on a machine shared with other work, each round's ratios compare
    figures taken a few seconds apart; the CPU each request costs (the web workers' and the database
    server's) is measured too, a figure that such other work barely changes."""
    server = postgres_server()
    if server is None:
        return None
    import psycopg

    procs = []
    try:
        bare_url, handler_url = server.create_database(empty=True), server.create_database(empty=True)
        with psycopg.connect(bare_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE bare_rows (id bigserial PRIMARY KEY, body text)")
        ports = [port, free_port(), free_port()]  # the bare view, then the two instances
        origins = [f"http://127.0.0.1:{p}" for p in ports]
        handler = {**env, "FLASK_DATABASE": handler_url, "FLASK_OUTBOX_WORKER": "none",
                   "FLASK_ALLOWED_ORIGINS": ",".join(origins)}  # fmt: skip
        procs.append(start_gunicorn({**env, "BARE_DATABASE": bare_url}, ports[0], "bench.bare_postgres:create_app()"))
        procs += [start_gunicorn(handler, p) for p in ports[1:]]
        throughput(ports[0], origins[0], 10)  # warm-up, as for SQLite
        throughput(ports[1], origins[1], 20)
        throughput_of_two(ports[1:], origins[1:], 10)
        postmaster = int((server.folder / "data" / "postmaster.pid").read_text().split()[0])
        results: dict[str, list[tuple[float, str, float]]] = {"bare": [], "handler": [], "two": []}
        for _ in range(POSTGRES_ROUNDS):
            results["bare"].append(measured(lambda: throughput(ports[0], origins[0], 10), [procs[0].pid, postmaster]))
            results["handler"].append(
                measured(lambda: throughput(ports[1], origins[1], 10), [procs[1].pid, postmaster])
            )
            results["two"].append(
                measured(
                    lambda: throughput_of_two(ports[1:], origins[1:], 10), [procs[1].pid, procs[2].pid, postmaster]
                )
            )
        return results
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
        server.stop()


def paced(
    port: int, origin: str, rate: int, seconds: int, prefix: str = "Paced"
) -> tuple[list[float], dict[str, float], int]:
    """Send ``rate`` requests per second; return latencies (ms), answer time per volunteer, errors."""
    latencies: list[float] = []
    answered: dict[str, float] = {}
    errors = 0
    lock = threading.Lock()
    local = threading.local()

    def one(n: int) -> None:
        nonlocal errors
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        name = f"{prefix}{n}"
        body = urllib.parse.urlencode({"first_name": "Jeanne", "last_name": name, "email": f"{prefix.lower()}{n}@exemple.fr",
                                       "birth_date": "1980-01-01", "postal_code": "02000", "consent": "oui", "accept_requirements": "oui"})  # fmt: skip
        start = time.perf_counter()
        try:
            conn.request("POST", f"/api/missions/{MISSION}/applications", body,
                         {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", "Origin": origin})  # fmt: skip
            response = conn.getresponse()
            response.read()
            ok = response.status == 201
        except OSError:
            local.conn = None
            ok = False
        elapsed = time.perf_counter() - start
        with lock:
            if ok:
                latencies.append(elapsed * 1000)
                answered[name] = time.time()
            else:
                errors += 1

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=16) as pool:
        begin = time.perf_counter()
        for n in range(rate * seconds):
            delay = begin + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, n)
    return latencies, answered, errors


def startup_time(missions: int) -> tuple[float, float]:
    """Seconds from process start to a first answer about a mission: first start, then a restart."""
    work = Path(tempfile.mkdtemp())
    generate(work / "content", missions, max(1, missions // 20))
    code = (
        "import time; t = time.perf_counter(); from formhandler import create_app; app = create_app();"
        "answer = app.test_client().get('/api/missions/mission-09999'); assert answer.status_code == 200, answer;"
        "print(time.perf_counter() - t)"
    )
    env = {
        **os.environ,
        "FLASK_DATABASE": str(work / "db.sqlite3"),
        "FLASK_CONTENT_DIR": str(work / "content"),
        "FLASK_TODAY": TODAY,
    }
    times = []
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        times.append(float(out.stdout.strip()))
    shutil.rmtree(work)
    return times[0], times[1]


# -- the delivery layouts against the bare view (issue 20, « full speed in the default layout ») --

LAYOUTS = ("bare", "none", "thread", "process")


def start_layout(layout: str, work: Path, smtp: SinkProcess, port: int) -> list[subprocess.Popen]:
    """Serve ``layout`` on ``port`` with a fresh database in ``work``: ``bare`` the bare view;
    ``none`` the handler with no delivery at all (its ceiling: mail stays queued); ``thread`` the
    default (each gunicorn worker delivers in a thread, as `make run` and the README's gunicorn
    command do); ``process`` delivery by `flask outbox run` at Nice=10 beside gunicorn with
    ``FLASK_OUTBOX_WORKER=none`` (deploy/)."""
    origin = f"http://127.0.0.1:{port}"
    env = handler_env(work, origin, smtp.port)
    if layout == "bare":
        bare = {**env, "BARE_DATABASE": str(work / "bare.sqlite3")}
        return [start_gunicorn(bare, port, "bench.bare_app:create_app()")]
    if layout == "thread":
        return [start_gunicorn({**env, "FLASK_OUTBOX_WORKER": "thread"}, port)]
    env = {**env, "FLASK_OUTBOX_WORKER": "none"}
    return [start_gunicorn(env, port)] + ([start_outbox_worker(env)] if layout == "process" else [])


def layout_throughput(layout: str, smtp: SinkProcess, seconds: int, warmup: int) -> tuple[float, int]:
    """Applications stored per second in ``layout`` (wrk as in :func:`throughput`, after ``warmup``
    seconds of the same load), and the mails that reached the SMTP server during the measure."""
    work, port = Path(tempfile.mkdtemp()), free_port()
    processes = start_layout(layout, work, smtp, port)
    origin = f"http://127.0.0.1:{port}"
    try:
        throughput(port, origin, warmup)
        before = smtp.count()
        rate, _ = throughput(port, origin, seconds)
        return rate, smtp.count() - before
    finally:
        for proc in processes:
            proc.terminate()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def default_layout_delays(smtp: SinkProcess, rate: int, seconds: int) -> tuple[list[float], list[float], int]:
    """Latencies (ms) and every mail's delay (s) at ``rate`` applications per second in the default
    layout (delivery threads in the web processes), and the number of applications answered."""
    work, port = Path(tempfile.mkdtemp()), free_port()
    processes = start_layout("thread", work, smtp, port)
    origin = f"http://127.0.0.1:{port}"
    try:
        paced(port, origin, rate, 3, prefix="Echauffement")
        latencies, answered, _ = paced(port, origin, rate, seconds, prefix="Fil")
        deadline = time.time() + 60
        while len(mail_delays(smtp.arrivals(), answered)) < 2 * len(answered) and time.time() < deadline:
            time.sleep(0.5)
    finally:
        for proc in processes:
            proc.terminate()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    return latencies, mail_delays(smtp.arrivals(), answered), len(answered)


def compare_layouts(rounds: int, seconds: int = 10, warmup: int = 10, rate: int = 100) -> None:
    """The delivery layouts against the bare view, each on a fresh gunicorn and database, in turn,
    ``rounds`` times (the order rotates: the machine's speed drifts), unique addresses as in
    :func:`throughput`; then the mail delay at ``rate`` per second in the default layout. Prints
    each round's rates and ratios to the bare view, and their medians."""
    smtp = SinkProcess()
    order, ratios = list(LAYOUTS), {"none": [], "thread": [], "process": []}
    print(
        "\n| tour | vue nue | service sans envoi (plafond) | fil d'envoi (défaut) | processus d'envoi à part"
        " | ratio sans envoi | ratio fil | ratio processus |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    try:
        for n in range(rounds):
            found = {layout: layout_throughput(layout, smtp, seconds, warmup) for layout in order}
            bare = found["bare"][0]
            cells = [f"{bare:.0f}/s", f"{found['none'][0]:.0f}/s"] + [
                f"{found[k][0]:.0f}/s ({found[k][1]} courriers envoyés pendant les {seconds} s)"
                for k in ("thread", "process")
            ]
            for k in ratios:
                ratios[k].append(found[k][0] / bare)
            print(f"| {n + 1} | " + " | ".join(cells + [f"**{ratios[k][-1]:.2f}**" for k in ratios]) + " |", flush=True)
            order = order[1:] + order[:1]
        medians = " | ".join(f"**{statistics.median(ratios[k]):.2f}**" for k in ratios)
        print(f"| médiane | | | | | {medians} |")
        latencies, delays, answered = default_layout_delays(smtp, rate, 20)
        print(
            f"\nPar défaut, à {rate} candidatures/s pendant 20 s : latence p50 {statistics.median(latencies):.1f} ms,"
            f" p99 {percentile(latencies, 99):.1f} ms ; délai jusqu'au serveur SMTP p95 {percentile(delays, 95):.2f} s,"
            f" max {max(delays):.2f} s ({len(delays)}/{2 * answered} courriers arrivés)"
        )
    finally:
        smtp.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--postgres-only", action="store_true", help="only the throughputs on PostgreSQL")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the delivery layouts' comparison")
    parser.add_argument("--layouts-only", action="store_true", help="only compare the delivery layouts")
    args = parser.parse_args()
    if args.postgres_only:
        work = Path(tempfile.mkdtemp())
        port = free_port()
        origin = f"http://127.0.0.1:{port}"
        print_postgres(measure_postgres(handler_env(work, origin, free_port()), port, origin))
        shutil.rmtree(work)
        return
    compare_layouts(args.rounds, rate=args.rate)
    if args.layouts_only:
        return
    work = Path(tempfile.mkdtemp())
    smtp = SinkProcess()
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = handler_env(work, origin, smtp.port)
    # the baseline on this machine, now: a bare Flask view inserting one row
    bare_env = {**env, "BARE_DATABASE": str(work / "bare.sqlite3")}
    bare, _ = steady_throughput(bare_env, port, origin, "bench.bare_app:create_app()", warmup=10)
    # warm-up: the first 20 s under load cost up to a third more per request (the database and
    # its write-ahead log grow to their working size); then the steady state is measured
    rate, non2xx = steady_throughput({**env, "FLASK_OUTBOX_WORKER": "none"}, port, origin)
    postgres = measure_postgres(env, port, origin)
    shutil.rmtree(work)
    work.mkdir()
    # delivery on, as deployed: gunicorn answers, a separate process sends (deploy/*.service)
    production = {**env, "FLASK_OUTBOX_WORKER": "none"}
    proc = start_gunicorn(production, port)
    worker = start_outbox_worker(production)
    try:
        paced(port, origin, args.rate, 3, prefix="Warmup")  # imports, connections, first catalog load
        latencies, answered, errors = paced(port, origin, args.rate, args.seconds)
        deadline = time.time() + 30
        while smtp.count() < 2 * len(answered) and time.time() < deadline:
            time.sleep(0.2)
    finally:
        for p in (proc, worker):
            p.terminate()
            p.wait()
    arrivals = smtp.arrivals()
    smtp.stop()
    delays = mail_delays(arrivals, answered)
    print("\n| mesure | résultat | objectif |")
    print("| --- | --- | --- |")
    print(
        f"| candidatures valides enregistrées par seconde (wrk, 16 connexions, sans envoi) | {rate:.0f}/s {non2xx}"
        f" (vue Flask nue, même machine, même moment : {bare:.0f}/s) | ≥ 800/s |"
    )
    print(
        f"| latence à {args.rate} requêtes/s, envoi actif : p50 / p99 | {statistics.median(latencies):.1f} ms / {percentile(latencies, 99):.1f} ms | p99 < 30 ms |"
    )
    print(f"| erreurs pendant ce palier | {errors} | 0 |")
    print(
        f"| délai réponse → arrivée au serveur SMTP, par courrier : p95 | {percentile(delays, 95):.2f} s ({len(delays)}/{2 * len(answered)} arrivés) | < 2 s |"
    )
    print_postgres(postgres, header=False)
    cold, warm = startup_time(10_000)
    print(
        f"| démarrage avec 10 000 missions, jusqu'à une première réponse : premier / redémarrage | {cold:.2f} s / {warm:.2f} s | < 1 s |"
    )


def print_postgres(results: dict[str, list[tuple[float, str, float]]] | None, header: bool = True) -> None:
    """The PostgreSQL rows of the table: medians of the rounds, each round's ratios (min–max), and
    the CPU per request."""
    if header:
        print("\n| mesure | résultat | objectif |")
        print("| --- | --- | --- |")
    if results is None:
        print("| PostgreSQL | non mesuré : PostgreSQL absent (apt-get install postgresql) | |")
        return
    bare, handler, two = ([rate for rate, _, _ in results[k]] for k in ("bare", "handler", "two"))
    cpu = {k: statistics.median(ms for _, _, ms in results[k]) for k in results}
    errors = " ".join(sorted({non2xx for k in ("handler", "two") for _, non2xx, _ in results[k] if non2xx}))
    to_bare = [h / b for h, b in zip(handler, bare, strict=True)]
    to_one = [t / h for t, h in zip(two, handler, strict=True)]
    print(
        f"| PostgreSQL : candidatures enregistrées par seconde, une instance (wrk, 16 connexions, sans envoi ;"
        f" médiane de {len(handler)} tours) | {statistics.median(handler):.0f}/s {errors}(vue Flask nue insérant"
        f" une ligne dans PostgreSQL : {statistics.median(bare):.0f}/s ; rapport par tour"
        f" {min(to_bare):.2f}–{max(to_bare):.2f}) | ≥ 0,9 de la vue nue |"
    )
    print(
        f"| PostgreSQL : temps de processeur par candidature (workers gunicorn et serveur PostgreSQL)"
        f" | {cpu['handler']:.2f} ms (vue nue : {cpu['bare']:.2f} ms ; deux instances : {cpu['two']:.2f} ms) | |"
    )
    print(
        f"| PostgreSQL : deux instances (deux gunicorn -w 2, une base) | {statistics.median(two):.0f}/s"
        f" (rapport à une instance, par tour : {min(to_one):.2f}–{max(to_one):.2f}) | plus qu'une instance |"
    )


if __name__ == "__main__":
    main()
