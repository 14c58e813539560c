"""The bare view and the default layout loaded at the same moment, and (PostgreSQL) one instance
against two, each alone in alternating order: ``python bench/side_by_side.py``.

On a machine shared with other work, whose speed swings by 2× or more from one minute to the next,
:mod:`bench.layouts` compares figures taken a minute apart. Here the bare view and the default
layout (and ``--baseline DIR``'s default layout) are all up at once and loaded together, each by
its own wrk, for ``seconds``, ``rounds`` times: each ratio compares rates taken in the same
seconds on the same machine. Taking turns would not do: after its turn the default layout's
delivery catches up on its mail at full speed, taking CPU from whatever comes next. Loaded
together, each gets its share of the machine: where the CPU bounds both, the ratio is that of
their costs per application, as when each runs alone; where the disk's flushes bound both, each
flushes its own file. One instance and two instances (both the default layout, delivering alike)
are measured alone, one after the other, in the order one–two, then two–one. Same load as
:mod:`bench.layouts` (rate limits off, new addresses, the open missions in turn).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.handler import SinkProcess, postgres_server, throughput, throughput_of_two  # noqa: E402
from bench.layouts import start_layout  # noqa: E402


def kinds_of(database: str, baseline: Path | None) -> list[tuple[str, str, Path]]:
    """(name, layout, checkout) of what is compared on ``database``."""
    kinds = [("bare", "bare", ROOT), ("default", "default", ROOT)]
    if database == "postgresql":
        kinds.append(("two", "two", ROOT))
    if baseline is not None:
        kinds += [(f"before:{layout}", layout, baseline) for _, layout, _ in kinds[1:]]
    return kinds


def side_by_side(database: str, rounds: int, seconds: int, baseline: Path | None, smtp, pg) -> dict[str, list]:
    """Rates of each kind, round after round: ``{name: [rate per round]}`` (see the module's docstring)."""
    kinds = kinds_of(database, baseline)
    work = Path(tempfile.mkdtemp())
    running = {}

    def load(name: str, duration: int) -> float:
        _, ports, _ = running[name]
        origins = [f"http://127.0.0.1:{port}" for port in ports]
        if len(ports) == 2:
            return throughput_of_two(ports, origins, duration)[0]
        return throughput(ports[0], origins[0], duration)[0]

    def together(names: list[str], duration: int) -> dict[str, float]:
        found: dict[str, float] = {}
        threads = [threading.Thread(target=lambda n=n: found.__setitem__(n, load(n, duration))) for n in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return found

    try:
        for name, layout, root in kinds:
            folder = work / name.replace(":", "-")
            folder.mkdir()
            running[name] = start_layout(layout, database, folder, smtp, root, pg)
        single = [name for name, _, _ in kinds if not name.endswith("two")]
        twos = [(name.replace("two", "default"), name) for name, _, _ in kinds if name.endswith("two")]
        together(single, 2 * seconds)  # warm-up
        for _, two in twos:
            load(two, 2 * seconds)
        rates: dict[str, list[float]] = {name: [] for name in single}
        rates.update({f"{name}/alone": [] for pair in twos for name in pair})
        for n in range(rounds):
            for name, rate in together(single, seconds).items():
                rates[name].append(rate)
            for pair in twos:  # one instance, then two, then two, then one…: each alone
                for name in pair if n % 2 == 0 else pair[::-1]:
                    rates[f"{name}/alone"].append(load(name, seconds))
        return rates
    finally:
        for processes, _, url in running.values():
            for proc in processes:
                proc.terminate()
                proc.wait()
            if url:
                pg.drop_database(url)
        shutil.rmtree(work, ignore_errors=True)


def spread(values: list[float]) -> str:
    values = sorted(values)
    quartiles = ""
    if len(values) >= 4:
        low, _, high = statistics.quantiles(values, n=4, method="inclusive")
        quartiles = f"quartiles {low:.2f}–{high:.2f}, "
    return f"médiane {statistics.median(values):.2f} ({quartiles}min–max {values[0]:.2f}–{values[-1]:.2f})"


def report(database: str, rates: dict[str, list[float]], load: tuple) -> None:
    medians = ", ".join(f"{name} {statistics.median(values):.0f}/s" for name, values in rates.items())
    print(f"\n{database}, {len(rates['bare'])} tours (charge au début {load[0]:.1f}) : {medians}", flush=True)
    for name in rates:
        if name.endswith("default"):
            ratios = [d / b for d, b in zip(rates[name], rates["bare"], strict=True)]
            print(f"- {name} / bare, chargés ensemble : {spread(ratios)}")
        if name.endswith("two/alone"):
            one = rates[name.replace("two", "default")]
            ratios = [t / o for t, o in zip(rates[name], one, strict=True)]
            print(f"- {name.replace('/alone', '')} / une instance, chacun seul : {spread(ratios)}")


def run(databases: list[str], rounds: int = 10, seconds: int = 5, baseline: Path | None = None) -> None:
    """Measure and print, database after database."""
    smtp = SinkProcess()
    pg = postgres_server() if "postgresql" in databases else None
    try:
        for database in databases:
            if database == "postgresql" and pg is None:
                print("PostgreSQL absent (apt-get install postgresql)")
                continue
            load = os.getloadavg()
            report(database, side_by_side(database, rounds, seconds, baseline, smtp, pg), load)
    finally:
        smtp.stop()
        if pg is not None:
            pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=5, help="seconds of each measure")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--baseline", type=Path, help="another checkout's default layout in the same rounds")
    args = parser.parse_args()
    run(args.databases.split(","), args.rounds, args.seconds, args.baseline)


if __name__ == "__main__":
    main()
