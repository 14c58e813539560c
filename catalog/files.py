"""Files on disk as the loader and its callers compare and write them."""

from __future__ import annotations

import os
from pathlib import Path


def stat_state(state: os.stat_result) -> tuple[int, int, int, int]:
    """Modification and change times, size, inode: a file in the same state has not been written since."""
    return (state.st_mtime_ns, state.st_ctime_ns, state.st_size, state.st_ino)


def file_state(path: str | os.PathLike) -> tuple[int, int, int, int] | None:
    """:func:`stat_state` of ``path``, or ``None`` when it is not there."""
    try:
        return stat_state(os.stat(path))
    except OSError:
        return None


def replace_file(path: Path, data: bytes) -> None:
    """Write ``path`` at once: a reader sees the old file or the new one, never half of one."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
