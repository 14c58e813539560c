"""Load test (not a test): ``python bench/load.py [--seconds 60] [--rate 100]``.

gunicorn -w 2 and a `flask outbox run` process (the deployed layout), a real SMTP server: a steady rate of valid
applications; reports errors, latency p99, memory growth of the web workers
and the outbox delay (answer → mail accepted by the SMTP server).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.handler import (  # noqa: E402
    SinkProcess,
    handler_env,
    mail_delays,
    paced,
    percentile,
    start_gunicorn,
    start_outbox_worker,
)
from devtools.mailcatcher import free_port  # noqa: E402


def rss_kb(parent: int) -> int:
    pids = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--delivery", type=int, default=1, help="delivery processes (`flask outbox run`)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    smtp = SinkProcess()
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = handler_env(work, origin, smtp.port, OUTBOX_WORKER="none")
    proc = start_gunicorn(env, port)
    workers = [start_outbox_worker(env) for _ in range(args.delivery)]
    try:
        paced(port, origin, args.rate, 5, prefix="Warmup")  # warm-up
        before = rss_kb(proc.pid)
        latencies, answered, errors = paced(port, origin, args.rate, args.seconds)
        after = rss_kb(proc.pid)
        deadline = time.time() + 60
        while smtp.count() < 2 * (len(answered) + 5 * args.rate) and time.time() < deadline:
            time.sleep(0.5)
    finally:
        for p in (proc, *workers):
            p.terminate()
            p.wait()
        shutil.rmtree(work)
    arrivals = smtp.arrivals()
    smtp.stop()
    delays = mail_delays(arrivals, answered)
    print(
        f"\n{args.seconds} s à {args.rate} candidatures/s ; gunicorn -w 2, {args.delivery} processus d'envoi, SMTP local\n"
    )
    print("| mesure | résultat | objectif |")
    print("| --- | --- | --- |")
    print(f"| erreurs | {errors} sur {args.rate * args.seconds} | 0 |")
    print(
        f"| latence p50 / p99 | {statistics.median(latencies):.1f} ms / {percentile(latencies, 99):.1f} ms | p99 < 30 ms |"
    )
    print(
        f"| mémoire des workers web : début → fin | {before / 1024:.0f} Mo → {after / 1024:.0f} Mo ({(after - before) / before * 100:+.1f} %) | < +10 % |"
    )
    print(
        f"| délai du courrier (réponse → serveur SMTP) : p95 / max | {percentile(delays, 95):.2f} s / {max(delays):.2f} s | < 30 s |"
    )
    print(f"| courriers arrivés | {len(delays)} sur {2 * len(answered)} | tous |")


if __name__ == "__main__":
    main()
