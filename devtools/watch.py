"""Rebuild the site while content or templates change (`make run` starts it beside the server).

    python -m devtools.watch [Pelican's options: -s pelicanconf.py -o output -e NAME=value …]

Like ``pelican --autoreload``, with differences for coordinators: a build
that fails (a mission file with an error) says why and waits for the next
change instead of retrying at once, a file saved during a build is not missed,
and each rebuild says how long it took.
The process keeps what a rebuild needs in memory (content models, the build's
manifest), so a changed mission is online within one to two seconds at
10,000 missions (docs/benchmarks.md). With ``--search-index`` (as `make run`
starts it), the Pagefind index is then refreshed in the background, at a low
priority, and put in place when complete; a change stops a refresh under way.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence

from . import search_index

SEARCH_INDEX = "--search-index"


def command(
    output: str = "output", settings: str = "pelicanconf.py", overrides: Sequence[str] = (), search_index: bool = False
) -> list[str]:
    """The watching build's command line (``overrides``: Pelican ``-e NAME=value`` settings;
    ``search_index``: refresh the search index after each build)."""
    extra = ["-e", *overrides] if overrides else []
    flag = [SEARCH_INDEX] if search_index else []
    return [sys.executable, "-m", "devtools.watch", *flag, "--fatal", "errors", "-s", settings, "-o", output, *extra]


def start(output: str = "output", **options) -> subprocess.Popen:
    """Start the watching build beside the server; its messages go to the same terminal."""
    return subprocess.Popen(command(output, **options))


def _changes(settings_file: str, settings: dict) -> Iterator[set[str]]:
    """Paths changed since the previous step, or an empty set every tenth of a second.

    One watcher for the whole session (Pelican's ``wait_for_changes`` starts a
    new one after each build, missing what was saved meanwhile): a file saved
    while a build runs is rebuilt right after it. It watches what Pelican's
    autoreload watches: the settings file, the theme, the content.
    """
    import watchfiles
    from pelican.utils import FileChangeFilter

    content = settings.get("PATH", "")
    candidates = [settings_file, settings.get("THEME", ""), content]
    candidates += [os.path.join(content, path) for path in settings.get("STATIC_PATHS", [])]
    paths = [os.path.abspath(path) for path in candidates if path and os.path.exists(path)]
    ignored = set(settings.get("IGNORE_FILES", []))
    for changes in watchfiles.watch(*paths, watch_filter=FileChangeFilter(ignored), rust_timeout=100,
                                    yield_on_timeout=True):  # fmt: skip
        yield {path for _, path in changes}


def _build(pelican) -> bool:
    """Build once; say how it went. True when the site was built."""
    start = time.perf_counter()
    try:
        pelican.run()
    except Exception as error:  # any failed build is reported, then the next change awaited
        print(f"La construction a échoué :\n{error}\nEn attente d'une correction…", flush=True)
        built = False
    else:
        print(f"Site reconstruit en {time.perf_counter() - start:.2f} s".replace(".", ","), flush=True)
        built = True
    # the build froze its objects for the garbage collector (reserve_civique.speedups): collect the previous
    # build's garbage now, while waiting for a change, rather than at the start of the next build
    gc.unfreeze()
    gc.collect()
    return built


def main(argv: list[str] | None = None) -> None:
    from pelican import get_instance, parse_arguments

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # the server stops us so: stop a refresh too
    argv = list(sys.argv[1:] if argv is None else argv)
    refresh = SEARCH_INDEX in argv
    if refresh:
        argv.remove(SEARCH_INDEX)
    args = parse_arguments(argv)
    pelican, settings = get_instance(args)
    settings_file = os.path.abspath(args.settings)
    index = search_index.Refresher(settings["OUTPUT_PATH"]) if refresh else None
    changes = _changes(settings_file, settings)
    next(changes)  # watching from now on
    print("Reconstruction à chaque modification de content/, theme/ ou des réglages (Ctrl-C : arrêt)", flush=True)
    try:
        if _build(pelican) and index is not None and not index.exists:  # `make run` has just made it
            index.start()
        for changed in changes:
            said = index.poll() if index is not None else None
            if said:
                print(said, flush=True)
            if not changed:
                continue
            if index is not None:
                index.stop()  # the site changes under it: started again after the build
            if settings_file in changed:
                pelican, settings = get_instance(args)
            print(f"Modifié : {', '.join(sorted(os.path.relpath(p) for p in changed))}", flush=True)
            if _build(pelican) and index is not None:
                index.start()
    finally:
        if index is not None:
            index.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C in `make run` stops the server and this
        main()
