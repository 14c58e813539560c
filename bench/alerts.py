"""Benchmark of ``alerts send`` (not a test): ``python bench/alerts.py``.

10,000 confirmed volunteers waiting for a mission and 200 new missions (``bench/generate.py``: 40
towns in 12 departments, four domains, 20 % remote), on a fresh SQLite file (WAL,
``synchronous=FULL``) or, with ``--postgres URL``, a PostgreSQL database. Each volunteer chose one
to three of those departments, one to four domains, remote missions or not (a third), and a birth
date from 1956 to 2006. The run is timed from the command's start to its end (the catalog read,
the matching, every mail queued in the outbox); then every volunteer with at least one matching
mission, counted without the run's own index (a plain loop over every volunteer and mission), must
have exactly one mail in the outbox, and a second run must queue none. Prints a Markdown table for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import DOMAINS, TOWNS, generate  # noqa: E402
from catalog import load_content  # noqa: E402
from catalog.alerts import Choices, SignUp  # noqa: E402
from catalog.application import age_on  # noqa: E402
from formhandler import create_app, db  # noqa: E402
from formhandler.settings import environ, local_config  # noqa: E402

TODAY = "2026-11-29"
DEPARTMENTS = sorted({department for _, _, department in TOWNS})


def volunteers(count: int, seed: int = 7) -> list[SignUp]:
    rng = random.Random(seed)
    people = []
    for n in range(count):
        email = f"benevole{n}@exemple.fr"
        departments = tuple(sorted(rng.sample(DEPARTMENTS, rng.randint(1, 3))))
        domains = tuple(d for d in DOMAINS if d in rng.sample(DOMAINS, rng.randint(1, 4)))
        birth = dt.date(rng.randint(1956, 2006), rng.randint(1, 12), rng.randint(1, 28))
        choices = Choices(departments, domains, rng.random() < 1 / 3)
        people.append(SignUp("Camille", email, email, email, birth, "02000", choices))
    return people


def subscribe(app, people: list[SignUp]) -> None:
    """The volunteers, confirmed (as the sign-up and the confirmation store them), a thousand a transaction."""
    now = time.time()
    with app.app_context():
        for start in range(0, len(people), 1000):
            with db.transaction() as store:
                for signup in people[start : start + 1000]:
                    row = store.save_pending_subscription(secrets.token_hex(16), signup, now)
                    store.confirm_subscription(row["id"], now, now + 183 * 86400)


def expected_mails(content: Path, people: list[SignUp]) -> int:
    """How many volunteers have a matching open mission: every pair looked at, no index."""
    catalog = load_content(content, today=dt.date.fromisoformat(TODAY)).catalog
    day = dt.date.fromisoformat(TODAY)
    missions = [m for m in catalog.missions.values() if m.is_open(day)]
    told = 0
    for person in people:
        age = age_on(person.birth_date, day)
        c = person.choices
        if any(
            m.domain in c.domains
            and m.age_min <= age <= m.age_max
            and ((m.remote and c.remote) or (not m.remote and m.department in c.departments))
            for m in missions
        ):
            told += 1
    return told


def run(database: str | None, count: int, missions: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="reserve-civique-alerts-"))
    content = work / "content"
    open_missions(content, missions)
    settings = local_config(work, "https://aider.example.org", 1, CONTENT_DIR=str(content), TODAY=TODAY)
    settings.update(OUTBOX_WORKER="none", EXPORTS_DIR=str(work / "exports"))
    if database:
        settings["DATABASE"] = database
    app = create_app(settings)
    people = volunteers(count)
    subscribe(app, people)
    wanted = expected_mails(content, people)

    app.extensions["database"].close()

    first, cpu, output = command(settings)
    with app.app_context():
        queued = db.store().outbox_counts().get("pending", 0)
    second, _, again = command(settings)
    app.extensions["database"].close()
    return {
        "volunteers": count,
        "missions": missions,
        "seconds": first,
        "cpu": cpu,
        "output": output,
        "expected": wanted,
        "queued": queued,
        "second_seconds": second,
        "again": again,
    }


def command(settings: dict) -> tuple[float, float, str]:
    """``flask --app formhandler alerts send`` as deploy/ runs it: wall and CPU seconds, its output."""
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "formhandler", "alerts", "send"],
        env={**os.environ, **environ(settings)}, cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return time.perf_counter() - started, cpu, done.stdout.strip()


def open_missions(content: Path, wanted: int) -> None:
    """Generated content with exactly ``wanted`` open missions (closed and past ones left out)."""
    generate(content, wanted + wanted // 5, max(10, wanted // 20))
    day = dt.date.fromisoformat(TODAY)
    catalog = load_content(content, today=day).catalog
    kept = sorted(m.id for m in catalog.missions.values() if m.is_open(day))[:wanted]
    for mission in catalog.missions:
        if mission not in kept:
            (content / "missions" / f"{mission}.yaml").unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--missions", type=int, default=200)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database (else a fresh SQLite file)")
    args = parser.parse_args()
    result = run(args.postgres, args.volunteers, args.missions)
    print(json.dumps(result), file=sys.stderr)
    ok = result["expected"] == result["queued"] and " 0 e-mail(s) de nouvelles missions" in result["again"]
    print(
        "| volunteers | new open missions | `alerts send` (s) | its CPU (s) | mails in the outbox | volunteers to tell | second run (s) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(
        f"| {result['volunteers']:,} | {result['missions']} | {result['seconds']:.1f} | {result['cpu']:.1f} |"
        f" {result['queued']:,} | {result['expected']:,} | {result['second_seconds']:.1f}, nothing queued |"
    )
    if not ok:
        sys.exit("les e-mails en file ne correspondent pas aux bénévoles à prévenir")


if __name__ == "__main__":
    main()
