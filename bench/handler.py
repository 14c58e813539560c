"""Benchmark of the form handler (not a test): ``python bench/handler.py``.

Starts the real thing on loopback: gunicorn -w 2 'formhandler:create_app()'
on a fresh SQLite file (WAL, synchronous=FULL), a real SMTP server (aiosmtpd),
then measures:
- throughput (``bench/layouts.py``): valid applications stored per second (wrk, 16 connections,
  10 s after 10 s of warm-up), on SQLite and on PostgreSQL (a throwaway server of this machine,
  its defaults: fsync and synchronous_commit on), in the default layout, with `flask outbox run`
  beside gunicorn, with no delivery, and two instances on PostgreSQL, each against a bare Flask
  view inserting one row into the same database, in the same rounds; then (``bench/side_by_side.py``)
  the bare view and the default layout loaded at the same moment, and one instance against two;
- latency at a steady 100 requests per second (p50, p99), and the delay from the answer to each
  mail's arrival at the SMTP server (p95), in the default and in the deployed layout;
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
# The demo content's missions open on TODAY: a call for volunteers spreads its applications over
# them (each mission is held during its application's transaction, for its count of places)
OPEN_MISSIONS = (
    "accueil-epicerie-solidaire-saint-quentin", "accueil-periscolaire-soissons", "aide-devoirs-distance-soissons",
    "appels-convivialite-saint-quentin", "collecte-supermarches-saint-quentin", "courses-voisins-soissons",
    "distribution-colis-alimentaires-laon", "garde-animaux-soignants-chauny", "garde-enfants-soignants-chauny",
    "lettres-residents-ehpad-guise", "livraison-courses-domicile-laon", "masques-tissu-chateau-thierry",
    "portage-medicaments-saint-quentin", "soutien-commerces-hirson", "standard-telephonique-mairie-soissons",
    "tri-dons-ressourcerie-hirson", "visio-residents-hopital-chateau-thierry",
)  # fmt: skip

# Every address is new: wrk's Lua starts each run from the same random seed and the same counter,
# so each run tags its addresses (a run repeating the warm-up's forms found them all as duplicates,
# answered without writing anything: an easier load than the bare view's inserts).
WRK_SCRIPT = """
counter = 0
missions = {%s}
request = function()
  counter = counter + 1
  local body = "first_name=Jeanne&last_name=Charge&email=w" .. counter .. "-%s" ..
    "@exemple.fr&birth_date=1980-01-01&postal_code=02000&consent=oui&accept_requirements=oui"
  local mission = missions[counter %% #missions + 1]
  return wrk.format("POST", "/api/missions/" .. mission .. "/applications", {
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


SECRET_KEY = secrets.token_hex(32)  # one key for every process of a run, as a deployment has


def handler_env(work: Path, origin: str, mail_port: int, **settings) -> dict:
    """Environment of the benchmarked handler: a fresh database, the demo content, limits out of reach."""
    config = local_config(work, origin, mail_port, TODAY=TODAY, SECRET_KEY=SECRET_KEY, **settings)
    return {**os.environ, **environ(config)}


def mail_delays(arrivals: list[tuple[float, str]], answered: dict[str, float]) -> list[float]:
    """Each mail's delay, from the answer to its application to its arrival at the SMTP server."""
    answered_at = {name.lower(): moment for name, moment in answered.items()}
    return [moment - answered_at[who] for moment, who in arrivals if who in answered_at]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def start_gunicorn(env: dict, port: int, app: str = "formhandler:create_app()", root: Path = ROOT) -> subprocess.Popen:
    """gunicorn -w 2 serving ``app`` of the checkout ``root`` (this one by default), once it answers."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60  # a machine shared with other work may take its time
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"gunicorn did not start ({app}, {root})")


def start_outbox_worker(env: dict, root: Path = ROOT) -> subprocess.Popen:
    """The production layout's delivery process: `flask --app formhandler outbox run`, at Nice=10 as deployed."""
    return subprocess.Popen(
        ["nice", "-n", "10", sys.executable, "-m", "flask", "--app", "formhandler", "outbox", "run"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def postgres_server():
    """A PostgreSQL server of its own in a temporary folder (as the tests start theirs), or ``None``
    without PostgreSQL installed."""
    from tests.helpers import PostgresServer, postgres_bin

    bindir = postgres_bin()
    return PostgresServer(bindir).start() if bindir else None


def throughput(port: int, origin: str, seconds: int, missions: tuple[str, ...] = OPEN_MISSIONS) -> tuple[float, str]:
    """Applications answered per second (wrk, one thread, 16 connections), in turn to each of
    ``missions``, every address new; and wrk's line about non-2xx answers, if any."""
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    listed = ", ".join(f'"{mission}"' for mission in missions)
    script.write_text(WRK_SCRIPT % (listed, secrets.token_hex(6), origin), encoding="utf-8")
    out = subprocess.run(
        ["wrk", "-t", "1", "-c", "16", "-d", f"{seconds}s", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))
    non2xx = next((line for line in out.splitlines() if "Non-2xx" in line), "")
    return rate, non2xx


def throughput_of_two(
    ports: list[int], origins: list[str], seconds: int, missions: tuple[str, ...] = OPEN_MISSIONS
) -> tuple[float, str]:
    """:func:`throughput` of two instances at once (two wrk, one against each): the sum."""
    results: list[tuple[float, str]] = [(0.0, "")] * 2

    def run(k: int) -> None:
        results[k] = throughput(ports[k], origins[k], seconds, missions)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(rate for rate, _ in results), " ".join(non2xx for _, non2xx in results if non2xx)


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


def paced_layout(smtp: SinkProcess, layout: str, rate: int, seconds: int) -> tuple[list[float], list[float], int, int]:
    """Latencies (ms), every mail's delay (s), errors and applications answered at ``rate`` per
    second for ``seconds``: in the ``default`` layout (delivery by the web processes) or the
    deployed one (``process``: gunicorn answers, `flask outbox run` sends, deploy/*.service)."""
    work, port = Path(tempfile.mkdtemp()), free_port()
    origin = f"http://127.0.0.1:{port}"
    env = handler_env(work, origin, smtp.port)
    if layout == "process":
        env["FLASK_OUTBOX_WORKER"] = "none"
    processes = [start_gunicorn(env, port)] + ([start_outbox_worker(env)] if layout == "process" else [])
    try:
        paced(port, origin, rate, 3, prefix="Warmup")  # imports, connections, first catalog load
        latencies, answered, errors = paced(port, origin, rate, seconds, prefix=f"Paced{layout}")
        deadline = time.time() + 30
        while len(mail_delays(smtp.arrivals(), answered)) < 2 * len(answered) and time.time() < deadline:
            time.sleep(0.2)
    finally:
        for proc in processes:
            proc.terminate()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    return latencies, mail_delays(smtp.arrivals(), answered), errors, len(answered)


def main() -> None:
    from bench import layouts, side_by_side

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the layouts' comparison (bench/layouts.py)")
    parser.add_argument("--no-layouts", action="store_true", help="skip the layouts' comparison")
    args = parser.parse_args()
    if not args.no_layouts:
        layouts.summary(layouts.compare(args.rounds, 10, 10, ["sqlite", "postgresql"], None))
        side_by_side.run(["sqlite", "postgresql"])
    smtp = SinkProcess()
    try:
        paced_runs = {layout: paced_layout(smtp, layout, args.rate, args.seconds) for layout in ("default", "process")}
    finally:
        smtp.stop()
    print("\n| mesure | résultat | objectif |")
    print("| --- | --- | --- |")
    for layout, (latencies, delays, errors, answered) in paced_runs.items():
        name = "par défaut (envoi par les processus web)" if layout == "default" else "`flask outbox run` à part"
        print(
            f"| {name}, à {args.rate} candidatures/s : latence p50 / p99 ; erreurs | {statistics.median(latencies):.1f} ms"
            f" / {percentile(latencies, 99):.1f} ms ; {errors} | p99 < 30 ms ; 0 |"
        )
        print(
            f"| {name} : délai réponse → arrivée au serveur SMTP, par courrier, p95 (max) | {percentile(delays, 95):.2f} s"
            f" ({max(delays):.2f} s ; {len(delays)}/{2 * answered} arrivés) | < 2 s |"
        )
    cold, warm = startup_time(10_000)
    print(
        f"| démarrage avec 10 000 missions, jusqu'à une première réponse : premier / redémarrage | {cold:.2f} s / {warm:.2f} s | < 1 s |"
    )


if __name__ == "__main__":
    main()
