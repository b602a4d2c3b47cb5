"""Output files appear whole or not at all, and grcim never replaces what it did not create.

Rules (the writing half of the output policy; the CLI checks paths before any work):

- a regular file (or a new path) is written to a temporary sibling, then renamed over the
  target; a symbolic link is followed, so the file it points to is replaced, not the link;
- a character device (``/dev/null``) or a FIFO is written through, never renamed over; a
  FIFO without a reader is refused instead of blocking; a path that resolves into
  ``/proc`` (``/dev/stdout``) is written through too;
- a directory, a block device or a socket is never a file output;
- :class:`Staging` collects every output of a command and commits them together: writes
  through first (they can fail, e.g. ``/dev/full``), then the renames. On any exception,
  ``KeyboardInterrupt`` and the CLI's SIGTERM exception included, every temporary file and
  folder is removed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["atomic_write_text", "atomic_write_bytes", "atomic_directory", "output_kind",
           "write_through", "Staging", "staging", "file_ids", "PROC"]

PROC = "/proc/"
"""Paths resolving under here are process views (``/dev/stdout``): written through."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def output_kind(path: str | os.PathLike[str]) -> tuple[str, Path]:
    """What writing ``path`` means: ``(kind, target)``.

    ``kind`` is ``new`` (nothing there yet, or a dangling link), ``regular``, ``through``
    (character device, FIFO, or a path resolving into ``/proc``), ``directory``, ``block``,
    ``socket`` or ``other``; ``target`` is the path after following symbolic links (the
    file an atomic write replaces).
    """
    p = Path(path)
    target = Path(os.path.realpath(p))
    try:
        info = os.stat(p)
    except FileNotFoundError:
        return "new", target
    except NotADirectoryError:
        return "new", target  # a parent is a file: the write reports it
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        return "directory", target
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "through", p
    if stat.S_ISBLK(mode):
        return "block", target
    if stat.S_ISSOCK(mode):
        return "socket", target
    if stat.S_ISREG(mode):
        if str(target).startswith(PROC) or str(p.absolute()).startswith(PROC):
            return "through", p
        return "regular", target
    return "other", target


def write_through(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` into an existing device, FIFO or ``/proc`` view (no temporary file).

    A FIFO is opened non-blocking first, so one without a reader fails (``ENXIO``) instead
    of hanging.
    """
    flags = os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY",
                                                                               0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OSError(errno.ENXIO, "a FIFO with no reader", os.fspath(path)) from None
        raise
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode):  # a /proc view of a regular file: start it afresh
            os.ftruncate(fd, 0)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None
    finally:
        os.close(fd)


def _temp_file(target: Path, data: bytes) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def _refuse(kind: str, path: str | os.PathLike[str]) -> OSError:
    if kind == "directory":
        return IsADirectoryError(errno.EISDIR, "Is a directory", os.fspath(path))
    return OSError(errno.EINVAL, f"a {kind} is not an output file", os.fspath(path))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` by the module's rules (atomic unless written through)."""
    with staging() as stage:
        stage.file(path, data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` by the module's rules."""
    return atomic_write_bytes(path, text.encode("utf-8"))


@dataclass
class Staging:
    """Outputs staged for one commit (see :func:`staging`)."""

    _renames: list[tuple[Path, Path]] = field(default_factory=list)
    _through: list[tuple[Path, bytes]] = field(default_factory=list)
    _dirs: list[tuple[Path, Path, Mapping[tuple[int, int], str]]] = field(
        default_factory=list)

    def file(self, path: str | os.PathLike[str], data: bytes | str) -> None:
        """Stage ``data`` for ``path`` (text is written as UTF-8)."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        kind, target = output_kind(path)
        if kind == "through":
            self._through.append((target, raw))
        elif kind in ("new", "regular"):
            self._renames.append((_temp_file(target, raw), target))
        else:
            raise _refuse(kind, path)

    def directory(self, path: str | os.PathLike[str],
                  protect: Mapping[tuple[int, int], str] | None = None) -> Path:
        """A temporary folder whose files move into directory ``path`` on commit.

        Files already in ``path`` with other names are kept. ``protect`` maps the
        ``(st_dev, st_ino)`` of files that must not be replaced (the command's inputs) to
        what they are; the commit refuses, before moving anything, to replace one of them,
        a symbolic link, or anything but a regular file or folder.
        """
        target = Path(os.path.realpath(path))
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".tmp"))
        self._dirs.append((tmp, target, dict(protect or {})))
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
        return tmp

    def _check_directory(self, tmp: Path, target: Path,
                         protect: Mapping[tuple[int, int], str]) -> None:
        if target.exists() and not target.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(target))
        for item in tmp.iterdir():
            dest = target / item.name
            try:
                info = os.lstat(dest)
            except FileNotFoundError:
                continue
            inside = [dest] if not stat.S_ISDIR(info.st_mode) else [dest, *dest.rglob("*")]
            for entry in inside:  # a folder is replaced whole: nothing in it may be an input
                entry_info = os.lstat(entry)
                what = protect.get((entry_info.st_dev, entry_info.st_ino))
                if what is not None:
                    raise OSError(errno.EEXIST, f"would replace the input {what}", str(entry))
            if stat.S_ISLNK(info.st_mode) or not (stat.S_ISREG(info.st_mode)
                                                  or stat.S_ISDIR(info.st_mode)):
                raise OSError(errno.EEXIST, "not a regular file grcim may replace",
                              str(dest))

    def commit(self) -> None:
        """Check, write through, then rename everything into place."""
        for tmp, target, protect in self._dirs:
            self._check_directory(tmp, target, protect)
        for target, data in self._through:
            write_through(target, data)
        # The renames are quick: hold SIGINT/SIGTERM until they are done, so an interrupted
        # command leaves either all of its files or none (the signal is handled right after).
        blocked = {signal.SIGINT, signal.SIGTERM}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            for tmp, target in self._renames:
                os.replace(tmp, target)
            for tmp, target, _ in self._dirs:
                target.mkdir(parents=True, exist_ok=True)
                for item in tmp.iterdir():
                    dest = target / item.name
                    if dest.is_dir() and not dest.is_symlink():
                        shutil.rmtree(dest)
                    os.replace(item, dest)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def discard(self) -> None:
        """Remove every temporary file and folder still staged."""
        for tmp, _ in self._renames:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        for tmp, _, _ in self._dirs:
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def staging() -> Iterator[Staging]:
    """Collect outputs in the ``with`` block; commit them when it ends without error.

    Whatever happens (an error, ``KeyboardInterrupt``, the CLI's SIGTERM exception), no
    temporary file or folder outlives the block.
    """
    stage = Staging()
    try:
        yield stage
        stage.commit()
    finally:
        stage.discard()


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str],
                     protect: Mapping[tuple[int, int], str] | None = None) -> Iterator[Path]:
    """Yield a temporary directory; on success its files are moved into ``path``.

    Files already in ``path`` with other names are kept; on failure nothing in ``path``
    changes and the temporary directory is removed.
    """
    with staging() as stage:
        yield stage.directory(path, protect)


def file_ids(paths: Iterable[str | os.PathLike[str]]) -> dict[tuple[int, int], str]:
    """``(st_dev, st_ino)`` of the existing ``paths`` (for ``protect``)."""
    out: dict[tuple[int, int], str] = {}
    for p in paths:
        with contextlib.suppress(OSError):
            info = os.stat(p)
            out[info.st_dev, info.st_ino] = os.fspath(p)
    return out
