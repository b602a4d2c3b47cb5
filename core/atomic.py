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

Directory outputs (``compare --out DIR``, ``paper --out DIR``, ``map``'s ``FILE_figures/``,
``export timeloop --out DIR``, ``sweep report --out DIR``) are merged file by file into
what is already there, never replaced whole:

- a file grcim writes replaces a regular file of the same name; anything else in the
  folder (the user's notes, plots, sub-folders) is left alone;
- a directory, a symbolic link or a special file where grcim writes a file, a file where
  it needs a folder, or an input of the command where it writes a file is refused
  (:class:`OutputConflict`, naming the user's path) before anything moves;
- the folder's :data:`MANIFEST` lists what grcim wrote there, with a SHA-256 of each
  file and the command that wrote it. A file of the same command that the new run does not
  write is stale and removed, but only while it still holds exactly what grcim wrote (a
  file the user edited or put in its place is theirs and kept), and folders emptied by that
  are removed; other commands' files in the folder are kept and stay listed. So
  ``export timeloop --out`` for one einsum after a whole layer leaves that einsum's files,
  not the layer's old folders, while the user's files survive every run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

__all__ = ["atomic_write_text", "atomic_write_bytes", "atomic_directory", "output_kind",
           "write_through", "Staging", "staging", "file_ids", "PROC", "MANIFEST",
           "OutputConflict", "check_members"]

PROC = "/proc/"
"""Paths resolving under here are process views (``/dev/stdout``): written through."""

MANIFEST = ".grcim-manifest.json"
"""In every folder grcim writes: the files it wrote there last (``files``: relative path ->
SHA-256), so a later run removes its own stale files and nothing else."""

_MANIFEST_FORMAT = "grcim output manifest 2"
_OLD_FORMATS = ("grcim output manifest 1",)  # entries without a writer: never removed


class OutputConflict(OSError):
    """Something in a directory output that grcim may not replace.

    ``filename`` is the path as the user would write it (the option's value joined with
    the entry's relative path, never a temporary path), ``root`` the option's value and
    ``allowed`` what would have been accepted there.
    """

    def __init__(self, root: str, relative: str, allowed: str) -> None:
        shown = os.path.join(root, relative) if relative else root
        super().__init__(errno.EEXIST, allowed, shown)
        self.root, self.allowed = root, allowed


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


def _what(mode: int) -> str:
    """What an entry found where grcim wants to write is, for messages."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISREG(mode):
        return "a file"
    return "a special file"


def check_members(target: Path, shown: str, names: Iterable[str],
                  protect: Mapping[tuple[int, int], str]) -> None:
    """Refuse what is in the way of ``names`` (paths relative to the folder ``target``,
    shown as ``shown``; a name ending in ``/`` is a folder only): a non-folder on the way to
    one, a directory, link or special file where a file goes, or one of the command's
    inputs (``protect``, by device and inode). The commit's rules, also run before any work
    (``grcim.cli.outputs.check_members``).

    Raises
    ------
    OutputConflict
        Naming the entry and what would have been accepted there.
    """
    checked: set[str] = set()
    for rel in names:
        folder_only = rel.endswith("/")
        parts = PurePosixPath(rel).parts
        for i in range(1, len(parts) + folder_only):  # each folder on the way: a folder
            sub = "/".join(parts[:i])
            if sub in checked:
                continue
            checked.add(sub)
            found = _lstat(target / sub)
            if found is not None and not stat.S_ISDIR(found.st_mode):
                raise OutputConflict(shown, sub, f"a directory (this is "
                                     f"{_what(found.st_mode)})")
        found = None if folder_only else _lstat(target / rel)
        if found is None:
            continue
        if not stat.S_ISREG(found.st_mode):
            raise OutputConflict(shown, rel, f"a file path, not {_what(found.st_mode)} "
                                 f"(grcim writes its {parts[-1]} here and replaces only "
                                 "regular files)")
        what = protect.get((found.st_dev, found.st_ino))
        if what is not None:
            raise OutputConflict(shown, rel, f"a path that is not an input (it would "
                                 f"replace the input {what})")


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _clean_relative(name: object) -> bool:
    """A manifest entry that stays inside its folder (a hand-edited manifest must not make
    grcim remove anything elsewhere)."""
    if not isinstance(name, str) or not name or "\0" in name:
        return False
    parts = name.split("/")
    return not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)


@dataclass
class _StagedDir:
    """One directory output: its temporary folder, its real target and the user's path."""

    tmp: Path
    target: Path
    shown: str
    protect: Mapping[tuple[int, int], str]
    writer: str


@dataclass
class _DirPlan:
    """What committing one directory output does, decided before anything moves."""

    moves: list[tuple[Path, Path]]
    stale: list[Path]


@dataclass
class Staging:
    """Outputs staged for one commit (see :func:`staging`)."""

    _renames: list[tuple[Path, Path]] = field(default_factory=list)
    _through: list[tuple[Path, bytes]] = field(default_factory=list)
    _dirs: list[_StagedDir] = field(default_factory=list)

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
                  protect: Mapping[tuple[int, int], str] | None = None,
                  writer: str = "grcim") -> Path:
        """A temporary folder whose files are merged into directory ``path`` on commit.

        Files already in ``path`` with other names are kept; the module docstring has the
        rules (and :data:`MANIFEST`'s). ``protect`` maps the ``(st_dev, st_ino)`` of files
        that must not be replaced (the command's inputs) to what they are; the commit
        refuses, before moving anything, to replace one of them or anything but a regular
        file (:class:`OutputConflict`). ``writer`` names the command in the manifest: a
        run removes only its own command's stale files (``compare`` and ``export
        timeloop`` into one folder keep each other's).
        """
        target = Path(os.path.realpath(path))
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".tmp"))
        self._dirs.append(_StagedDir(tmp, target, os.fspath(path), dict(protect or {}),
                                     writer))
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
        return tmp

    def shown_path(self, path: str | os.PathLike[str]) -> tuple[str, str] | None:
        """``(option's path, user's path)`` of a path inside a staged folder (an error
        while the command fills it must not name the temporary folder), else None."""
        real = Path(os.path.realpath(path))
        for staged in self._dirs:
            if real == staged.tmp or real.is_relative_to(staged.tmp):
                rel = real.relative_to(staged.tmp).as_posix()
                return staged.shown, staged.shown if rel == "." else os.path.join(
                    staged.shown, rel)
        return None

    @staticmethod
    def _old_manifest(staged: _StagedDir) -> dict[str, tuple[str, str | None]]:
        """The files grcim wrote into the folder, ``rel -> (sha256, writer)`` (empty when it
        never did; ``None`` writer for a format-1 entry)."""
        path = staged.target / MANIFEST
        info = _lstat(path)
        if info is None:
            return {}
        allowed = "grcim's list of the files it wrote in this folder"
        if not stat.S_ISREG(info.st_mode):
            raise OutputConflict(staged.shown, MANIFEST, f"{allowed} (this is "
                                 f"{_what(info.st_mode)})")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if not (isinstance(data, dict) and isinstance(data.get("files"), dict)
                and data.get("format") in (_MANIFEST_FORMAT, *_OLD_FORMATS)):
            # a file of that name grcim did not write: it is not grcim's to replace
            raise OutputConflict(staged.shown, MANIFEST, f"{allowed} (this file is not one; "
                                 "move it away)")
        out: dict[str, tuple[str, str | None]] = {}
        for k, v in data["files"].items():
            if isinstance(v, str):  # format 1: a digest, no writer
                out[k] = (v, None)
            elif (isinstance(v, dict) and isinstance(v.get("sha256"), str)
                  and isinstance(v.get("by"), str)):
                out[k] = (v["sha256"], v["by"])
        return out

    def _plan_directory(self, staged: _StagedDir) -> _DirPlan:
        """Check one directory output against what is on disk; refuse before any move."""
        target, shown, protect = staged.target, staged.shown, staged.protect
        info = _lstat(target)
        if info is not None and not stat.S_ISDIR(info.st_mode):
            raise OutputConflict(shown, "", f"a directory (this is {_what(info.st_mode)})")
        written: list[str] = []
        for folder, _, names in os.walk(staged.tmp):
            rel_folder = Path(folder).relative_to(staged.tmp)
            written.extend((rel_folder / n).as_posix() for n in names)
        if MANIFEST in written:  # pragma: no cover - a command bug, not a user's
            raise ValueError(f"{MANIFEST} is grcim's own file in every output folder")
        check_members(target, shown, sorted(written), protect)
        digests = {rel: _sha256(staged.tmp / rel) for rel in written}
        old = self._old_manifest(staged)
        stale = [target / rel for rel, (digest, by) in old.items()
                 if rel not in digests and by == staged.writer
                 and self._still_grcims(staged, rel, digest)]
        # other commands' files stay listed as they were (their own next run checks them;
        # hashing them here would read every other command's output on each run)
        kept = {rel: {"sha256": digest, "by": by} for rel, (digest, by) in old.items()
                if rel not in digests and by is not None and by != staged.writer}
        mine = {rel: {"sha256": d, "by": staged.writer} for rel, d in digests.items()}
        manifest = {"format": _MANIFEST_FORMAT,
                    "about": "the files grcim wrote in this folder, by command; the next "
                             "run of a command here removes those of its files it does not "
                             "write again, unless they were changed since",
                    "files": dict(sorted({**kept, **mine}.items()))}
        (staged.tmp / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n",
                                           encoding="utf-8")
        moves = [(staged.tmp / rel, target / rel) for rel in [*sorted(written), MANIFEST]]
        return _DirPlan(moves, stale)

    @staticmethod
    def _still_grcims(staged: _StagedDir, rel: str, digest: str) -> bool:
        """Whether a stale manifest entry is still a file exactly as grcim wrote it, reached
        through real folders only (a link could lead out of the output folder)."""
        if not _clean_relative(rel) or rel == MANIFEST:
            return False
        parts = rel.split("/")
        for i in range(1, len(parts)):
            found = _lstat(staged.target.joinpath(*parts[:i]))
            if found is None or not stat.S_ISDIR(found.st_mode):
                return False
        path = staged.target / rel
        found = _lstat(path)
        if found is None or not stat.S_ISREG(found.st_mode):
            return False
        if (found.st_dev, found.st_ino) in staged.protect:
            return False
        try:
            return _sha256(path) == digest
        except OSError:
            return False

    def commit(self) -> None:
        """Check, write through, then rename everything into place."""
        plans = [self._plan_directory(staged) for staged in self._dirs]
        for target, data in self._through:
            write_through(target, data)
        # The renames are quick: hold SIGINT/SIGTERM until they are done, so an interrupted
        # command leaves either all of its files or none (the signal is handled right after).
        blocked = {signal.SIGINT, signal.SIGTERM}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            for tmp, target in self._renames:
                os.replace(tmp, target)
            for staged, plan in zip(self._dirs, plans, strict=True):
                for src, dest in plan.moves:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(src, dest)
                for path in plan.stale:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(path)
                    _prune_empty(path.parent, staged.target)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def discard(self) -> None:
        """Remove every temporary file and folder still staged."""
        for tmp, _ in self._renames:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        for staged in self._dirs:
            shutil.rmtree(staged.tmp, ignore_errors=True)


def _prune_empty(folder: Path, top: Path) -> None:
    """Remove ``folder`` and its parents below ``top`` while they are empty (folders that
    held only stale grcim files; one with anything else in it stays)."""
    while folder != top and folder.is_relative_to(top):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


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
                     protect: Mapping[tuple[int, int], str] | None = None,
                     writer: str = "grcim") -> Iterator[Path]:
    """Yield a temporary directory; on success its files are merged into ``path``.

    Files already in ``path`` with other names are kept (the module docstring has the
    rules); on failure nothing in ``path`` changes and the temporary directory is removed.
    """
    with staging() as stage:
        yield stage.directory(path, protect, writer)


def file_ids(paths: Iterable[str | os.PathLike[str]]) -> dict[tuple[int, int], str]:
    """``(st_dev, st_ino)`` of the existing ``paths`` (for ``protect``)."""
    out: dict[tuple[int, int], str] = {}
    for p in paths:
        with contextlib.suppress(OSError):
            info = os.stat(p)
            out[info.st_dev, info.st_ino] = os.fspath(p)
    return out
