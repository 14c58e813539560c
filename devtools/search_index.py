"""The Pagefind search index of the open mission pages: one command for `make build` and `make run`.

Pagefind indexes ``missions/*/index.html`` (closed and past missions carry no
``data-pagefind-body``: they are left out) in French. :func:`build` makes the
index in place; :class:`Refresher` makes a new one beside the site while it is
served, then puts it in place of the old one, so a search never reads a half-
written index.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time

FOLDER = "pagefind"
NEXT = ".pagefind-next"  # where a refreshed index is written before it replaces FOLDER


def command(site: str | os.PathLike, subdir: str = FOLDER) -> list[str]:
    """Pagefind's command line for the index of ``site``, written to ``site/subdir``."""
    return [sys.executable, "-m", "pagefind", "--site", str(site), "--output-subdir", subdir,
            "--glob", "missions/*/index.html", "--force-language", "fr", "--quiet"]  # fmt: skip


def build(site: str | os.PathLike) -> None:
    """The index, made from nothing (files of an older index would stay otherwise)."""
    shutil.rmtree(os.path.join(site, FOLDER), ignore_errors=True)
    subprocess.run(command(site), check=True)


class Refresher:
    """Refreshes the index of a served site in the background, one run at a time.

    :meth:`start` after each build (a run already going is stopped: the site has
    changed under it); :meth:`poll` now and then puts a finished index in place and
    says what happened (or ``None`` while running or idle).
    """

    def __init__(self, site: str | os.PathLike):
        self.site = str(site)
        self.process: subprocess.Popen | None = None
        self.started = 0.0

    @property
    def exists(self) -> bool:
        """Whether the site has an index already."""
        return os.path.isdir(os.path.join(self.site, FOLDER))

    def start(self) -> None:
        self.stop()
        shutil.rmtree(os.path.join(self.site, NEXT), ignore_errors=True)
        self.process = subprocess.Popen(command(self.site, NEXT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with contextlib.suppress(OSError):  # the server and the next build come first
            os.setpriority(os.PRIO_PROCESS, self.process.pid, 10)
        self.started = time.perf_counter()

    def stop(self) -> None:
        """Stop a run under way (its half-written index is removed by the next start)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        self._end()

    def _end(self) -> tuple[int, str] | None:
        """Forget the run: its exit code and what it printed (``None`` when there was none)."""
        if self.process is None:
            return None
        code, errors = self.process.wait(), self.process.stderr.read().decode(errors="replace").strip()
        self.process.stderr.close()
        self.process = None
        return code, errors

    def poll(self) -> str | None:
        """A finished run's message (in French), its index put in place; ``None`` otherwise."""
        if self.process is None or self.process.poll() is None:
            return None
        code, errors = self._end()
        if code != 0:
            return f"L'index de recherche n'a pas pu être mis à jour :\n{errors}"
        fresh, current, old = (os.path.join(self.site, name) for name in (NEXT, FOLDER, ".pagefind-old"))
        shutil.rmtree(old, ignore_errors=True)
        if os.path.exists(current):
            os.rename(current, old)
        os.rename(fresh, current)
        shutil.rmtree(old, ignore_errors=True)
        seconds = f"{time.perf_counter() - self.started:.1f}".replace(".", ",")
        return f"Index de recherche mis à jour en {seconds} s"
