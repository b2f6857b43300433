"""Writing files without following planted links: atomic replacement and exclusive creation.

Every file hmt-sim creates goes through here. A result file is written to a temp file beside it
(``.NAME.tmp.SUFFIX``), synced, then renamed over the target, so a crash (or ``kill -9``)
mid-write leaves either the old file or the new one, never half of one. The temp name keeps the
target's suffix, so writers that pick a format by extension (matplotlib, pygame) still do.

Links: a leftover at the temp name (a crash, or a symlink someone planted in a shared folder) is
unlinked, never opened; the temp file is then created with ``O_CREAT | O_EXCL | O_NOFOLLOW``, so
it is a new regular file of ours; before the rename it is checked to be that same file still;
and the rename replaces a link at the target rather than writing through it. Session files and
logs that grow line by line are created the same way and reopened with ``O_NOFOLLOW``.

Errors name the user's path, never the temp file, and a failed write (disk full, a folder in
the way) removes the temp file and leaves the previous file as it was.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC


def temp_path(target: str | os.PathLike[str]) -> Path:
    """The temp file ``atomic_path`` writes first: ``.NAME.tmp.SUFFIX`` beside the target."""
    path = Path(target)
    return path.with_name(f".{path.stem}.tmp{path.suffix}")


def user_error(error: OSError, path: Path, tmp: Path | None = None) -> OSError:
    """The same error, naming the user's ``path`` (not a temp file, not nothing)."""
    if not error.errno:  # a library's own error (pyarrow): its text, with the user's name
        text = str(error) if tmp is None else str(error).replace(str(tmp), str(path))
        return OSError(errno.EIO, text, str(path))
    return type(error)(error.errno, error.strerror or os.strerror(error.errno), str(path))


def _about(error: OSError, *paths: Path) -> bool:
    """Whether ``error`` concerns one of ``paths`` (or names no file at all)."""
    name = error.filename
    return name is None or os.fspath(name) in {str(p) for p in paths}


def _check_target(path: Path) -> None:
    """Say in the user's terms why ``path`` cannot be written, before any temp file exists."""
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "its folder does not exist", str(path))
    if path.is_dir() and not path.is_symlink():
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))


def _remove(path: Path) -> None:
    """Unlink whatever sits at ``path`` (a link is removed itself, never followed)."""
    with suppress(FileNotFoundError):
        os.unlink(path)


def _create(path: Path, mode: int = 0o666) -> int:
    """A new regular file at ``path``: fails rather than follow or reuse anything there."""
    return os.open(path, _CREATE, mode)


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.lstat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return stat.S_ISREG(now.st_mode) and (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino)


@contextmanager
def _atomic(target: str | os.PathLike[str]) -> Iterator[tuple[Path, int]]:
    """Yield (temp path, its open descriptor); on success the temp file replaces ``target``."""
    path = Path(target)
    _check_target(path)
    tmp = temp_path(path)
    fd = -1
    try:
        _remove(tmp)  # a leftover (or planted symlink) is removed, never followed
        fd = _create(tmp)
        yield tmp, fd
        if not _same_file(fd, tmp):
            raise OSError(errno.EBUSY, "its temp file was replaced while it was being written "
                          "(another process in this folder?); nothing was written", str(path))
        os.fsync(fd)
        os.replace(tmp, path)  # rename replaces a link at the target; it never follows it
        fsync_dir(path.parent)
    except OSError as error:
        if _about(error, tmp, path):
            raise user_error(error, path, tmp) from None
        raise
    finally:
        if fd >= 0:
            os.close(fd)
            if _not_a_folder(tmp):
                _remove(tmp)


def _not_a_folder(tmp: Path) -> bool:
    """Whether something is left at the temp name that may be unlinked (a file or a link)."""
    try:
        return not stat.S_ISDIR(os.lstat(tmp).st_mode)
    except FileNotFoundError:
        return False


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temp path (an empty file of ours) to write to by name; on success it replaces
    ``target``, on error it is removed. For writers that take a path (matplotlib, pyarrow,
    pygame); prefer ``atomic_open`` where a file object will do."""
    with _atomic(target) as (tmp, _fd):
        yield tmp


@contextmanager
def atomic_open(target: str | os.PathLike[str]) -> Iterator[IO[str]]:
    """Yield the open temp file (text, UTF-8); on success it replaces ``target``. The file is
    never reopened by name, so nothing can be swapped in meanwhile."""
    with _atomic(target) as (_tmp, fd), os.fdopen(os.dup(fd), "w", encoding="utf-8") as fh:
        yield fh


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
    """Replace ``path`` with ``text`` (UTF-8) atomically, never through a link."""
    with atomic_open(path) as fh:
        fh.write(text)


def create_with(target: str | os.PathLike[str], first: bytes, replace: bool) -> IO[bytes]:
    """A new file at ``target`` that already holds ``first`` (synced), open for appending.

    The target appears only once ``first`` is on disk, so a full disk leaves no empty file
    behind. Without ``replace`` anything at ``target`` - a file, or a link, even a dangling one
    - makes it fail (FileExistsError); with ``replace`` a link there is replaced, not followed.
    """
    path = Path(target)
    _check_target(path)
    tmp = temp_path(path)
    fd = -1
    try:
        _remove(tmp)
        fd = _create(tmp)
        _write_all(fd, first)
        os.fsync(fd)
        if replace:
            os.replace(tmp, path)
        else:
            _link_exclusive(tmp, path)
        fsync_dir(path.parent)
    except OSError as error:
        if fd >= 0:
            os.close(fd)
        _remove(tmp)
        if _about(error, tmp, path):
            raise user_error(error, path, tmp) from None
        raise
    _remove(tmp)
    os.lseek(fd, 0, os.SEEK_END)
    return os.fdopen(fd, "ab")


def _link_exclusive(tmp: Path, path: Path) -> None:
    """Give ``tmp`` the name ``path`` only if nothing (not even a dangling link) is there."""
    try:
        os.link(tmp, path, follow_symlinks=False)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "already exists", str(path)) from None
    except OSError as error:  # a file system without hard links: check, then rename
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, "already exists", str(path)) from None
        os.rename(tmp, path)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def open_existing(target: str | os.PathLike[str]) -> IO[bytes]:
    """Open an existing file of ours for reading and writing (``r+b``), refusing a link."""
    path = Path(target)
    try:
        fd = os.open(path, os.O_RDWR | _NOFOLLOW | _CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP or path.is_symlink():
            raise OSError(errno.ELOOP, "is a symbolic link; hmt-sim does not write through "
                          "links (use the file it points to)", str(path)) from None
        raise user_error(error, path) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "is not a regular file", str(path))
    return os.fdopen(fd, "r+b")


def open_log(target: str | os.PathLike[str]) -> IO[str]:
    """Open a log for appending (created if missing), never through a link."""
    path = Path(target)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o666)
    except OSError as error:
        raise user_error(error, path) from None
    return os.fdopen(fd, "a", encoding="utf-8")
