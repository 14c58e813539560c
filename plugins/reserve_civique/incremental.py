"""What a rebuild may skip: every output file is recorded with the key of its inputs.

A key is a hash of everything a file is made from — the code and templates
that render it (:func:`code_key`) and the data it shows. When a file's key is
the one recorded by the previous build into the same output folder and the
file is still there, it is neither rendered nor written again.

The manifest lives in Pelican's ``CACHE_PATH`` (never in the published
output), kept by :mod:`catalog.cache`. It is removed when a build starts and
written back only when the build has finished, so a build that fails half-way
leaves no manifest and the next one renders everything.
"""

from __future__ import annotations

import hashlib
import os
from importlib import metadata
from pathlib import Path

from catalog import cache

PACKAGES = ("jinja2", "cmarkgfm", "nh3", "babel", "segno", "feedgenerator", "pelican", "fpdf2", "pillow")
_SIMPLE = (str, int, float, bool, type(None))
HOW_NOT_WHAT = ("processes", "speedups")  # settings that change how the build runs, never what it writes


def _tree_digest(hasher, folder: Path, patterns: tuple[str, ...]) -> None:
    for pattern in patterns:
        for path in sorted(folder.rglob(pattern)):
            if "__pycache__" in path.parts:
                continue
            hasher.update(str(path.relative_to(folder)).encode())
            hasher.update(path.read_bytes())


def _plain(value) -> bool:
    if isinstance(value, _SIMPLE):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def code_key(settings: dict) -> str:
    """Hash of what renders every file: this plugin, the core, the theme, library versions, settings."""
    from . import __file__ as plugin_init

    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(cache.code_fingerprint().encode())  # the core's code and schemas
    _tree_digest(hasher, Path(plugin_init).parent, ("*.py",))
    _tree_digest(hasher, Path(settings["THEME"]) / "templates", ("*",))
    for name in PACKAGES:
        hasher.update(f"{name}={metadata.version(name)}".encode())
    plain = {k: v for k, v in settings.items() if k.isupper() and _plain(v)}
    if isinstance(plain.get("RESERVE_CIVIQUE"), dict):
        plain["RESERVE_CIVIQUE"] = {k: v for k, v in plain["RESERVE_CIVIQUE"].items() if k not in HOW_NOT_WHAT}
    hasher.update(repr(sorted(plain.items())).encode())
    return hasher.hexdigest()


class Manifest:
    """The files of the previous build into one output folder, with their keys."""

    def __init__(self, cache_dir: str | os.PathLike, output_path: str, enabled: bool = True):
        name = hashlib.blake2b(os.path.abspath(output_path).encode(), digest_size=8).hexdigest()
        self.folder = Path(cache_dir) / "reserve_civique" / name
        self.output_path = output_path
        self._output_prefix = os.path.join(output_path, "")  # joined to 22,000 relative paths
        self.enabled = enabled
        self.previous: dict[str, str] = {}
        self.pieces: dict = {}
        self.current: dict[str, str] = {}
        self._stored: dict[str, set] = {}  # the mission keys in each pieces file on disk
        if enabled:
            path = self.folder / "manifest.marshal"
            kept = cache.recall(path)  # this process wrote it (a watching build): no need to read it
            if kept is not None:
                self.previous, self.pieces, self._stored = kept
            else:
                self._read(path)
            # a build that stops before `save` must not leave a manifest behind
            path.unlink(missing_ok=True)

    def _read(self, path: Path) -> None:
        previous, pieces, stored = cache.read(path), {}, {}
        if not isinstance(previous, dict):
            return
        for shard in self.folder.glob("pieces-*.marshal"):
            value = cache.read(shard)
            if not isinstance(value, dict):
                return
            pieces.update(value)
            stored[shard.name] = set(value)
        self.previous, self.pieces, self._stored = previous, pieces, stored

    def is_current(self, relpath: str, key: str) -> bool:
        """True when ``relpath`` was written from the same inputs and is still in the output."""
        return self.enabled and self.previous.get(relpath) == key and os.path.exists(self._output_prefix + relpath)

    def record(self, relpath: str, key: str) -> None:
        self.current[relpath] = key

    def stale(self) -> list[str]:
        """Files of the previous build that this build did not produce (a mission removed…)."""
        return sorted(set(self.previous) - set(self.current))

    def save(self, pieces: dict) -> None:
        """Write the manifest and each mission's pieces (by mission key) for the next build.

        The pieces (40 MB at 10,000 missions) are spread over 16 files by their
        key's first digit; a file is written again only when its set of keys
        changed (a key is a hash of the mission's inputs: same key, same pieces),
        so a rebuild after one change writes two of them. The manifest comes
        last: without it, the next build renders everything.
        """
        if not self.enabled:
            return
        shards: dict[str, dict] = {}
        for key, value in pieces.items():
            shards.setdefault(f"pieces-{key[0]}.marshal", {})[key] = value
        for name in set(shards) | set(self._stored):
            kept = shards.get(name, {})
            if kept.keys() != self._stored.get(name, set()):
                cache.write(self.folder / name, kept)  # strings and tuples only
        path = self.folder / "manifest.marshal"
        if cache.write(path, self.current):
            cache.keep(path, (self.current, pieces, {name: set(shard) for name, shard in shards.items()}))
