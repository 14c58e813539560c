"""What a run keeps for the next one, in a cache folder and in this process's memory.

Everything here is best effort: a missing, damaged or older cache file reads as
an empty one, and a cache that cannot be written is not an error.

- :class:`ContentCache` gives each content file's outcome (its problems and its
  model) as checking it gave it, remembered by the file's bytes, its path and
  what its rules compare it to: an edited file, or a file whose rules now see
  other domains or another date, is checked again. A file whose state on disk
  (times, size, inode) is the one it was read in is not even read again.
- :func:`read` and :func:`write` keep a value of strings, bytes, numbers, tuples,
  lists and dicts in a file (marshal: the fastest for those).
- :func:`keep` and :func:`recall`: in one process (a watching build, the tests),
  what the last run kept with a cache file, taken back instead of reading and
  unpickling the file again — unless another process has written the file since.
  :func:`forget` leaves the process as a new one would be.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path

from . import pool
from .files import file_state, replace_file, stat_state

PARALLEL_FROM = 1000  # files to check; below, forking workers costs more than it saves
RACY_NS = 2_000_000_000  # a file changed this close to its reading may change again unseen (clock ticks)

_MEMORY: dict[str, tuple] = {}  # cache file -> (its state when kept, what was kept)


def digest(*parts) -> str:
    """A short hash of values by their ``repr`` (dataclasses, tuples, strings, dates…): what a cached
    value is checked against besides its files' own bytes.

    Not pickle: its bytes depend on which equal objects happen to be shared.
    """
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def read(path: str | os.PathLike):
    """The value written in ``path``, or ``None`` when there is none or it cannot be read."""
    try:
        return marshal.loads(Path(path).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None


def write(path: str | os.PathLike, value) -> bool:
    """Write ``value`` to ``path`` at once (a reader sees the old file or the new one); False when it cannot."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, marshal.dumps(value))
    except OSError:
        return False
    return True


def keep(path: str | os.PathLike, value) -> None:
    """Remember ``value`` with the cache file ``path`` as it is now on disk."""
    _MEMORY[str(path)] = (file_state(path), value)


def recall(path: str | os.PathLike):
    """What :func:`keep` remembered with ``path``, if the file is still in the same state; else ``None``."""
    kept = _MEMORY.get(str(path))
    if kept is None or kept[0] != file_state(path):
        return None
    return kept[1]


def forget() -> None:
    """Drop everything kept in memory: the next run reads its cache files, as a new process would."""
    _MEMORY.clear()


@functools.cache
def code_fingerprint() -> str:
    """Hash of the core's code and schemas: what was cached under other rules is not reused."""
    hasher = hashlib.blake2b(digest_size=16)
    folder = Path(__file__).parent
    for path in sorted([*folder.glob("*.py"), *folder.glob("schemas/*.json")]):
        hasher.update(path.name.encode() + path.read_bytes())
    return hasher.hexdigest()


def _read(path: str) -> tuple[bytes, bytes, tuple]:
    """A file's bytes, their hash, and what the cache notes of it: ``(state on disk, hash, read at)``."""
    read_at = time.time_ns()
    state = os.stat(path)  # before reading: a change during the read leaves a newer state
    with open(path, "rb") as handle:
        raw = handle.read()
    content = hashlib.blake2b(raw, digest_size=16).digest()
    return raw, content, (stat_state(state), content, read_at)


def _key(content: bytes, shown: str, salt: str) -> bytes:
    """Where a file's outcome is kept: by its bytes' hash, its path as shown and ``salt``."""
    return hashlib.blake2b(content + f"\0{shown}\0{salt}".encode(), digest_size=16).digest()


def _check(check: Callable, salt: str, pickled: bool, job: tuple) -> tuple:
    """``(outcome, key, note)`` of one file, read here when its bytes are not given (then noted);
    the outcome ``pickled`` (as the cache keeps it) for a worker to send back."""
    source, raw, key = job
    note = None
    if raw is None:
        raw, content, note = _read(source.path)
        key = _key(content, source.shown, salt)
    outcome = check(source, raw, key.hex())
    return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL) if pickled else outcome, key, note


class ContentCache:
    """Each content file's outcome from the previous run, by content (see the module's docstring).

    Stored in ``folder`` as one marshal of separately pickled outcomes (saving
    does not pickle the ones read from it again), with each file's state on
    disk and the hash of its bytes. The whole cache belongs to one version of
    the core's code and schemas (:func:`code_fingerprint`). A file is read
    again when it had changed less than ``RACY_NS`` before it was read, as git
    does: a change within the file system clock's tick leaves the same state.
    Outcomes not used by a run are dropped when it saves. Without ``folder``,
    nothing is kept beyond the run.
    """

    def __init__(self, folder: str | os.PathLike | None = None):
        self.path = Path(folder) / "content.marshal" if folder else None
        self.entries: dict[bytes, bytes] = {}  # key -> outcome pickled, from the previous run
        self.files: dict[str, tuple] = {}  # path -> (state, content hash, read at), from the previous run
        self.objects: dict[bytes, tuple] = {}  # key -> outcome already unpickled in this process
        self.used: dict[bytes, tuple] = {}  # key -> outcome, of this run
        self.pickled: dict[bytes, bytes] = {}  # key -> outcome pickled by a worker, of this run
        self.seen: dict[str, tuple] = {}  # path -> (state, content hash, read at), of this run
        if self.path is None:
            return
        kept = recall(self.path)
        if kept is not None:
            self.entries, self.files, self.objects = kept
            return
        stored = read(self.path)
        if isinstance(stored, tuple) and len(stored) == 3 and stored[0] == code_fingerprint():
            _, self.entries, self.files = stored

    def outcomes(self, sources: list, salt: str, check: Callable, processes: int = 1) -> list[tuple]:
        """The outcome of each source (``.path``, ``.shown``): ``check(source, its bytes, fingerprint)``.

        ``salt`` stands for what the check compares a file to besides its bytes.
        The fingerprint is the hex key the outcome is kept under: equal
        fingerprints, equal outcomes. Outcomes not kept are checked by
        ``processes`` forked workers when there are many; with nothing to look
        up (no cache, or an empty one) the workers read the files too.
        """
        outcomes: list = [None] * len(sources)
        todo: list[tuple[int, tuple]] = []  # (index in sources, (source, bytes or None, key or None))
        lookup = bool(self.entries)
        for index, source in enumerate(sources):
            raw = key = None
            if lookup:
                content = self._known_content(source.path)
                if content is None:  # not seen unchanged since a previous run: read it
                    raw, content, self.seen[source.path] = _read(source.path)
                key = _key(content, source.shown, salt)
                outcome = self._get(key)
                if outcome is not None:
                    outcomes[index] = outcome
                    continue
                if raw is None:
                    raw = _read(source.path)[0]
            todo.append((index, (source, raw, key)))
        # Made in workers, outcomes come back as the cache keeps them, pickled: pickling them again
        # here took 0.07 s and left 9 MB more at 10,000 missions.
        in_workers = pool.forks(len(todo), processes, PARALLEL_FROM)
        check_one = functools.partial(_check, check, salt, in_workers)
        made = pool.run(check_one, [job for _, job in todo], processes, parallel_from=PARALLEL_FROM)
        for (index, (source, *_)), (outcome, key, note) in zip(todo, made, strict=True):
            if note is not None:
                self.seen[source.path] = note
            if in_workers:
                self.pickled[key], outcome = outcome, pickle.loads(outcome)
            self.used[key] = outcomes[index] = outcome
        return outcomes

    def _known_content(self, path: str) -> bytes | None:
        """The hash of a file's bytes when it is in the state it was read in, long enough after its change."""
        known = self.files.get(path)
        if known is None:
            return None
        state, content, read_at = known
        if file_state(path) != state or max(state[0], state[1]) >= read_at - RACY_NS:
            return None
        self.seen[path] = known
        return content

    def _get(self, key: bytes) -> tuple | None:
        outcome = self.objects.get(key)
        if outcome is None:
            data = self.entries.get(key)
            if data is None:
                return None
            try:
                outcome = pickle.loads(data)
            except (pickle.UnpicklingError, ValueError, EOFError, TypeError, AttributeError, ImportError):
                return None
        self.used[key] = outcome
        return outcome

    def save(self) -> None:
        """Keep this run's outcomes for the next one (on disk, and in this process)."""
        if self.path is None:
            return
        entries, made = self.entries, self.pickled
        pickled = {
            key: entries.get(key) or made.get(key) or pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            for key, outcome in self.used.items()
        }
        if (pickled.keys() != entries.keys() or self.seen != self.files) and not write(
            self.path, (code_fingerprint(), pickled, self.seen)
        ):
            _MEMORY.pop(str(self.path), None)
            return
        keep(self.path, (pickled, self.seen, self.used))
