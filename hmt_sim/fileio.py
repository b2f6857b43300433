"""Atomic file writes: a temp file in the same folder, synced, then renamed over the target.

A crash (or ``kill -9``) mid-write leaves either the old file or the new one, never half of one.
The temp name keeps the target's suffix, so writers that pick a format by extension (matplotlib,
pygame) still do.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def temp_path(target: str | os.PathLike[str]) -> Path:
    """The temp file ``atomic_path`` writes first: ``.NAME.tmp.SUFFIX`` beside the target."""
    path = Path(target)
    return path.with_name(f".{path.stem}.tmp{path.suffix}")


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temp path to write to; on success it replaces ``target``, on error it is removed."""
    path = Path(target)
    if not path.parent.is_dir():  # say so in the user's terms, not the temp file's
        raise FileNotFoundError(errno.ENOENT, "its folder does not exist", str(path))
    tmp = temp_path(path)
    tmp.unlink(missing_ok=True)  # a leftover (or planted symlink) is removed, never followed
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def fsync_dir(folder: Path) -> None:
    """Make a rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    with atomic_path(path) as tmp, open(tmp, "x", encoding="utf-8") as fh:
        fh.write(text)
