"""Benchmark of the static build (not a test): ``python bench/build.py [--missions 10000]``.

In one run, on the same machine: stock Pelican on N plain Markdown articles,
then our full build of N missions (pages, listings, feeds, open data), a
rebuild after one mission changed (a new process, as in CI; then the watching
build of `make run`, from saving a file to the page rebuilt), the Pagefind
index, and what a reader downloads for a first query. Prints a Markdown table
for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import queue
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from devtools import search_index, watch  # noqa: E402

PY = sys.executable
TODAY = "2026-11-29"


# Python as on a developer's machine: modules compiled once (some CI images set
# PYTHONDONTWRITEBYTECODE, which makes every run recompile every module).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(cmd: list[str], cwd: Path = ROOT) -> tuple[float, int]:
    """Run a command; return (seconds, peak RSS in MB of that child)."""
    subprocess.run(["sync"], check=False)  # each step starts with no write-back of the previous one pending
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) // 1024


def apparent_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def stock_pelican(markdown: Path, work: Path) -> tuple[float, int]:
    conf = work / "stockconf.py"
    conf.write_text(
        f"SITENAME='stock'\nPATH={str(markdown)!r}\nPLUGINS=[]\nTIMEZONE='UTC'\nDEFAULT_LANG='fr'\n"
        "FEED_ALL_ATOM=None\nCATEGORY_FEED_ATOM=None\nAUTHOR_FEED_ATOM=None\nAUTHOR_FEED_RSS=None\n",
        encoding="utf-8",
    )
    return run([PY, "-m", "pelican", "-s", str(conf), "-o", str(work / "stock-output"), "-q"])


def overrides(content: Path, cache: Path) -> list[str]:
    """Pelican ``-e`` settings of a build of ``content`` with its cache in ``cache``."""
    settings = json.dumps({"content_dir": str(content), "today": TODAY})
    return [f"PATH={json.dumps(str(content))}", f"CACHE_PATH={json.dumps(str(cache))}", f"RESERVE_CIVIQUE={settings}"]


def our_build(content: Path, output: Path, cache: Path) -> tuple[float, int]:
    """Our build into ``output``, reusing what ``cache`` holds (nothing for a full build)."""
    return run([PY, "-m", "pelican", "--fatal", "errors", "-s", "pelicanconf.py", "-o", str(output), "-q",
                "-e", *overrides(content, cache)])  # fmt: skip


def change_places(path: Path) -> None:
    """Edit a mission the way a coordinator would: another number of places."""
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^places: (\d+)", lambda m: f"places: {int(m[1]) % 40 + 1}", text), encoding="utf-8")


def watching_rebuilds(content: Path, output: Path, cache: Path, changes: int = 5) -> tuple[list[float], list[float]]:
    """Seconds from saving a changed mission to the end of its rebuild by `make run`'s watching build,
    and the build's own part of them (the rest: noticing the change)."""
    command = watch.command(str(output), overrides=overrides(content, cache))
    proc = subprocess.Popen(command, cwd=ROOT, env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()

    def rebuilt() -> float:
        """Wait for the end of a rebuild; return the time its build took, as printed."""
        while "Site reconstruit" not in (line := lines.get(timeout=120)):
            if "a échoué" in line:
                raise RuntimeError(line)
        return float(line.split(" en ")[1].split()[0].replace(",", "."))

    times, builds = [], []
    try:
        rebuilt()  # its first run, on the output as it is
        for path in sorted((content / "missions").glob("*.yaml"))[1 : changes + 1]:
            time.sleep(1)
            change_places(path)
            start = time.perf_counter()
            builds.append(rebuilt())
            times.append(time.perf_counter() - start)
    finally:
        proc.terminate()
        proc.wait()
        proc.stdout.close()
    return times, builds


GZIPPED_BY_NGINX = (".js", ".css", ".json")  # deploy/nginx.conf's gzip_types; Pagefind's index files are gzip already


def search_for(query: str):
    """A reader's first search, for :func:`pagefind_download`."""

    def visit(page, url: str) -> None:
        page.goto(f"{url}/recherche/?q={query}")
        page.wait_for_selector("[data-search-results] > li", timeout=30_000)

    return visit


def first_filter(page, url: str) -> None:
    """A reader's first choice in the filters of /missions/ (the first department), for :func:`pagefind_download`."""
    page.goto(f"{url}/missions/")
    page.select_option("#filtre-department", index=1)
    page.wait_for_selector("#mission-results > li", timeout=30_000)


def pagefind_download(output: Path, visit) -> tuple[int, int]:
    """Bytes a reader's browser fetches from /pagefind/ during ``visit(page, url)`` (Chromium): as
    stored, and over the wire from the shipped nginx configuration (which gzips JavaScript)."""
    from playwright.sync_api import sync_playwright

    handler = partial(SimpleHTTPRequestHandler, directory=str(output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    total = wire = 0
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page()
            sizes = []
            page.on("requestfinished", lambda r: sizes.append((r.url, r.sizes()["responseBodySize"])))
            visit(page, url)
            page.wait_for_load_state("networkidle")
            fetched = [(u, size) for u, size in sizes if "/pagefind/" in u]
            total = sum(size for _, size in fetched)
            for u, size in fetched:
                path = output / u.split("/", 3)[3].split("?")[0]
                wire += len(gzip.compress(path.read_bytes(), 6)) if path.suffix in GZIPPED_BY_NGINX else size
            browser.close()
    finally:
        server.shutdown()
    return total, wire


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missions", type=int, default=10_000)
    parser.add_argument("--structures", type=int, default=500)
    parser.add_argument("--work", type=Path, default=Path("/tmp/reserve-civique-bench"))
    args = parser.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    content, markdown, output, cache = work / "content", work / "markdown", work / "output", work / "cache"
    generate(content, args.missions, args.structures, markdown)
    for folder in (output, cache, work / "stock-output"):  # a full build starts from nothing
        shutil.rmtree(folder, ignore_errors=True)

    rows = []
    stock_s, stock_mb = stock_pelican(markdown, work)
    rows.append(("Pelican d'origine, articles Markdown", stock_s, stock_mb, apparent_size(work / "stock-output")))
    ours_s, ours_mb = our_build(content, output, cache)
    rows.append(("Notre construction complète", ours_s, ours_mb, apparent_size(output)))
    change_places(sorted((content / "missions").glob("*.yaml"))[0])
    again_s, again_mb = our_build(content, output, cache)
    rows.append(
        ("Reconstruction après une mission modifiée (nouveau processus)", again_s, again_mb, apparent_size(output))
    )
    watching, watching_builds = watching_rebuilds(content, output, cache)
    shutil.rmtree(output / "pagefind", ignore_errors=True)
    index_s, index_mb = run(search_index.command(output))
    rows.append(("Index Pagefind", index_s, index_mb, apparent_size(output / "pagefind")))
    download, wire = pagefind_download(output, search_for("colis"))
    filter_download, filter_wire = pagefind_download(output, first_filter)

    print(f"\n{args.missions} missions, {args.structures} structures, {os.cpu_count()} cœurs\n")
    print("| étape | durée | mémoire max | taille produite |")
    print("| --- | --- | --- | --- |")
    for label, seconds, mb, size in rows:
        print(f"| {label} | {seconds:.1f} s | {mb} Mo | {size / 1e6:.0f} Mo |")
    print(f"\nRapport Pelican d'origine / notre construction : {stock_s / ours_s:.2f}")
    print(
        "Reconstruction par `make run` (surveillance), de l'enregistrement à la page reconstruite : "
        + ", ".join(f"{s:.2f} s" for s in watching)
        + f" (médiane {statistics.median(watching):.2f} s ;"
        f" dont la construction : {statistics.median(watching_builds):.2f} s)"
    )
    print(
        f"Téléchargement de la recherche pour une première requête (« colis ») : {download / 1024:.0f} Kio "
        f"tels que stockés, {wire / 1024:.0f} Kio transférés par la configuration nginx fournie (gzip)"
    )
    print(
        f"Premier filtre de /missions/ (un département, dans tout le catalogue) : {filter_download / 1024:.0f} Kio "
        f"tels que stockés, {filter_wire / 1024:.0f} Kio transférés"
    )


if __name__ == "__main__":
    main()
