"""Rebuild the site while content or templates change (`make run` starts it beside the server).

    python -m devtools.watch [Pelican's options: -s pelicanconf.py -o output -e NAME=value …]

Like ``pelican --autoreload``, with two differences for coordinators: a build
that fails (a mission file with an error) says why and waits for the next
change instead of retrying at once, and each rebuild says how long it took.
The process keeps what a rebuild needs in memory (content models, the build's
manifest), so a changed mission is online in about a second and a half at
10,000 missions (docs/benchmarks.md). The search index is not refreshed here:
`make build` does it.
"""

from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import sys
import time
from collections.abc import Sequence


def command(output: str = "output", settings: str = "pelicanconf.py", overrides: Sequence[str] = ()) -> list[str]:
    """The watching build's command line (``overrides``: Pelican ``-e NAME=value`` settings)."""
    extra = ["-e", *overrides] if overrides else []
    return [sys.executable, "-m", "devtools.watch", "--fatal", "errors", "-s", settings, "-o", output, *extra]


def start(output: str = "output", **options) -> subprocess.Popen:
    """Start the watching build beside the server; its messages go to the same terminal."""
    return subprocess.Popen(command(output, **options))


def main(argv: list[str] | None = None) -> None:
    from pelican import get_instance, parse_arguments
    from pelican.utils import wait_for_changes

    args = parse_arguments(argv)
    pelican, settings = get_instance(args)
    settings_file = os.path.abspath(args.settings)
    print("Reconstruction à chaque modification de content/, theme/ ou des réglages (Ctrl-C : arrêt)", flush=True)
    while True:
        start = time.perf_counter()
        try:
            pelican.run()
        except Exception as error:
            print(f"La construction a échoué :\n{error}\nEn attente d'une correction…", flush=True)
        else:
            print(f"Site reconstruit en {time.perf_counter() - start:.2f} s".replace(".", ","), flush=True)
        # the build froze its objects for the garbage collector (see the plugin): collect the
        # previous build's now, while waiting, rather than at the start of the next one
        gc.unfreeze()
        gc.collect()
        changed = {path for _, path in wait_for_changes(args.settings, settings)}
        if settings_file in changed:
            pelican, settings = get_instance(args)
        print(f"Modifié : {', '.join(sorted(os.path.relpath(p) for p in changed))}", flush=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C in `make run` stops the server and this
        main()
