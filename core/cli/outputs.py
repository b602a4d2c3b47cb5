"""One output path policy for every command, checked before any work is done.

Every command passes its outputs (option, path, file or directory) and its input files to
:func:`check_outputs` before computing anything, and writes through :func:`writing` once
everything is rendered. Refused, with one line naming the option and the path:

- an empty path, or one that is not valid UTF-8 (it is written into reports and messages);
- ``-``, which would otherwise create a file named ``-`` where the user meant standard
  output (``/dev/stdout`` is written through; ``./-`` names such a file);
- a directory where a file is expected, a file where a directory is expected;
- a block device, a socket or another special file as a file output (character devices
  such as ``/dev/null`` and FIFOs are written through, never replaced);
- a location where nothing can be created (a real probe file, since permission bits say
  nothing for root or special file systems);
- two outputs naming the same path, or a file output inside a directory output;
- an output that is one of the command's input files (same device and inode, so hard links
  and symbolic links count), and a directory output that would replace an input or
  anything but a regular file (a folder where a file goes, a file where a folder goes: the
  error names the option and the user's path inside the folder): checked before any work
  by :func:`check_members` for a command that knows the names it writes, and again at
  commit time.

Writing (:mod:`grcim.atomic`): regular files atomically, symbolic links followed (the
file they point to is replaced, never the link), devices and FIFOs written through;
directory outputs merged file by file into what is there (the user's other files are
kept; grcim's own stale files, listed in the folder's ``.grcim-manifest.json``, are
removed); all outputs are committed together and temporary files are removed on any
error, Ctrl-C and SIGTERM alike.

Numbers: before a JSON or CSV output is written, :func:`check_json_numbers` and
:func:`check_csv_numbers` refuse NaN, infinities, and null where a number belongs.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from grcim import atomic
from grcim.atomic import MANIFEST, OutputConflict, Staging, file_ids, output_kind, staging
from grcim.errors import CMDLINE, SpecError

__all__ = ["FILE", "DIRECTORY", "check_outputs", "check_members", "writing", "input_paths",
           "check_json_numbers", "check_csv_numbers", "NULL_KEYS"]

FILE = "file"
DIRECTORY = "directory"

OutputArg = tuple[str, "str | os.PathLike[str] | None", str]
InputArg = tuple[str, "str | os.PathLike[str] | None"]


def _text(option: str, path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    if not isinstance(text, str):  # pragma: no cover - argparse gives str
        text = os.fsdecode(text)
    if text == "":
        raise SpecError(CMDLINE, option, text, "a non-empty path")
    if text == "-":  # the shell convention for stdout, which no grcim output follows
        raise SpecError(CMDLINE, option, text, "a path ('-' is not standard output here: "
                        "name /dev/stdout to write there, ./- for a file named -)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise SpecError(CMDLINE, option, text, "a path that is valid UTF-8 (grcim writes "
                        "output paths into its reports and messages)") from None
    return text


def _probe(option: str, shown: str, where: Path) -> None:
    parent = where
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise SpecError(CMDLINE, option, shown, f"a path under a directory ({parent} is a file)")
    try:
        fd, probe = tempfile.mkstemp(dir=parent, prefix=".grcim-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise SpecError(CMDLINE, option, shown,
                        f"a writable location ({parent}: {exc.strerror})") from None


def _check_one(option: str, path: str | os.PathLike[str], kind: str) -> Path:
    shown = _text(option, path)
    found, target = output_kind(shown)
    if kind == DIRECTORY:
        if found not in ("new", "directory"):
            raise SpecError(CMDLINE, option, shown, "a directory path (this is a file)"
                            if found == "regular" else f"a directory path (this is a {found})")
        _probe(option, shown, target if found == "directory" else target.parent)
        return target
    if found == "directory":
        raise SpecError(CMDLINE, option, shown, "a file path, not a directory")
    if found in ("block", "socket", "other"):
        raise SpecError(CMDLINE, option, shown, "a regular file, a character device or a "
                        f"FIFO (this is a {found} {'device' if found == 'block' else 'file'})")
    if found != "through":
        _probe(option, shown, target.parent)
    return target


def input_paths(inputs: Sequence[InputArg]) -> dict[tuple[int, int], str]:
    """``(st_dev, st_ino)`` of every existing input file -> ``"--option path"``."""
    out: dict[tuple[int, int], str] = {}
    for option, path in inputs:
        if path is None:
            continue
        if os.fspath(path) == "":
            raise SpecError(CMDLINE, option, "", "a non-empty path")
        for key in file_ids([path]):
            out.setdefault(key, f"{option} {os.fspath(path)}")
    return out


def check_outputs(outputs: Sequence[OutputArg], inputs: Sequence[InputArg] = ()
                  ) -> dict[tuple[int, int], str]:
    """Apply the module's policy to every output; return the inputs' identities (for
    :meth:`grcim.atomic.Staging.directory`'s ``protect``).

    Raises
    ------
    grcim.errors.SpecError
        The first output the policy refuses (option, path, what is allowed).
    """
    protect = input_paths(inputs)
    checked: list[tuple[str, str, str, Path]] = []
    for option, path, kind in outputs:
        if path is None:
            continue
        target = _check_one(option, path, kind)
        shown = os.fspath(path)
        if kind == FILE:
            with contextlib.suppress(OSError):
                info = os.stat(shown)
                what = protect.get((info.st_dev, info.st_ino))
                if what is not None:
                    raise SpecError(CMDLINE, option, shown, f"a path different from the input "
                                    f"{what} (it would be overwritten)")
        for other_option, other_shown, other_kind, other in checked:
            if target == other:
                # a folder may be derived from its option's value (map --report x.md writes
                # x_figures/): say which folder, not '--report x_figures'
                other_text = (f"the folder {other_option} writes ({other_shown})"
                              if other_kind == DIRECTORY else f"{other_option} {other_shown}")
                raise SpecError(CMDLINE, option, shown, f"a different path from {other_text}")
            inner = None
            if other_kind == DIRECTORY and target.is_relative_to(other):
                inner = (option, shown, other_option)
            elif kind == DIRECTORY and other.is_relative_to(target):
                inner = (other_option, other_shown, option)
            if inner is not None:
                raise SpecError(CMDLINE, inner[0], inner[1], f"a path outside the folder "
                                f"{inner[2]} writes")
        checked.append((option, shown, kind, target))
    return protect


def check_members(option: str, folder: str | os.PathLike[str] | None, names: Sequence[str],
                  protect: Mapping[tuple[int, int], str] | None = None) -> None:
    """Refuse, before any work, what the commit of a directory output would refuse among
    the entries it will write: ``names`` (paths relative to ``folder``) and the manifest.

    The same rules as :class:`grcim.atomic.Staging` applies at commit time, so a directory,
    a symbolic link or a special file where a file goes, a non-folder where a sub-folder
    goes, or one of the command's inputs (``protect``, from :func:`check_outputs`) stops
    the command at once instead of after its computation (the commit still checks: the
    folder may change meanwhile).

    Raises
    ------
    grcim.errors.SpecError
        Naming the option and the user's path inside the folder. A name ending in ``/``
        is a folder only (its files' names not known before the work).
    """
    if folder is None:
        return
    root = Path(os.path.realpath(folder))
    if not root.is_dir():
        return  # a new folder (check_outputs refused anything else): nothing in the way
    shown = os.fspath(folder)
    try:
        atomic.check_members(root, shown, [*names, MANIFEST], protect or {})
    except OutputConflict as exc:  # worded as writing() words the commit's refusal
        raise SpecError(CMDLINE, option, exc.filename, exc.allowed) from None


def _option_of(filename: object, options: Mapping[str, str]) -> tuple[str, str]:
    name = os.fspath(filename) if isinstance(filename, str | os.PathLike) else ""
    real = os.path.realpath(name) if name else ""
    for path, option in options.items():
        base = os.path.realpath(path)
        if real == base or real.startswith(base + os.sep) or os.path.basename(real).startswith(
                f".{os.path.basename(base)}."):
            return option, path
    return "<output>", name


@contextlib.contextmanager
def writing(options: Mapping[str, str]) -> Iterator[Staging]:
    """Stage outputs in the ``with`` block and commit them all at its end.

    ``options`` maps each output path to its option, so that a failure to write names the
    option: ``--json = 'x.json': a writable path (No space left on device)``.
    """
    stage: Staging | None = None
    try:
        with staging() as stage:
            yield stage
    except OutputConflict as exc:
        # the user's path inside the folder (never the temporary one), under its option
        option = options.get(exc.root) or _option_of(exc.root, options)[0]
        raise SpecError(CMDLINE, option, exc.filename, exc.allowed) from None
    except OSError as exc:
        option, path = _option_of(exc.filename, options)
        inside = stage.shown_path(exc.filename) if stage is not None and isinstance(
            exc.filename, str | os.PathLike) else None
        if inside is not None:  # failed while filling a staged folder: the user's path
            root, path = inside
            option = options.get(root) or _option_of(root, options)[0]
        raise SpecError(CMDLINE, option, path, f"a writable path ({exc.strerror})") from None
    except UnicodeEncodeError:
        raise SpecError(CMDLINE, "<output>", "", "text that is valid UTF-8") from None


#: JSON keys whose value may be null: a latency that does not apply to the phase, the
#: layer of an op outside the decoder layers, an iso-energy gain whose status is "never"
#: (GR-MAC never reaches the reference energy), and unset component attributes.
NULL_KEYS = frozenset({"time_to_first_token_s", "per_token_latency_s", "layer",
                       "iso_energy_dynamic_range_gain_bits", "iso_energy_gain_bits",
                       "array_utilization",  # the AccelForge engine does not report it
                       # not modelled for every design; none for a design infeasible at
                       # the largest dynamic range
                       "grmac_delivered_snr_at_max_db", "conventional_delivered_snr_at_max_db",
                       # a design infeasible at the reference dynamic range has no energy
                       "reference_energy_j", "iso_energy_reference_energy_per_mac_j",
                       "grmac_energy_at_reference_j",
                       "iso_energy_grmac_energy_per_mac_at_reference_j",
                       "conventional_adc_share_at_reference", "grmac_adc_share_at_reference",
                       "adc_energy_share_conventional", "adc_energy_share_grmac"})
NULL_SECTIONS = frozenset({"attributes", "fixed"})
_BAD_CELLS = frozenset({"nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity",
                        "-infinity"})


def _constant(name: str) -> float:
    raise ValueError(name)


def _walk(value: object, path: str, in_section: bool) -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k),
                             in_section or k in NULL_SECTIONS)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]", in_section)
    elif value is None and not in_section:
        key = path.rsplit(".", 1)[-1].split("[", 1)[0]
        if key not in NULL_KEYS and not key.endswith("_ratio"):
            yield path, value


def check_json_numbers(option: str, text: str) -> None:
    """Refuse a JSON output holding NaN, Infinity, or null where a number belongs.

    Null is allowed only for :data:`NULL_KEYS`, ratios (undefined when the baseline is 0)
    and attribute maps (an unset attribute).

    Raises
    ------
    grcim.errors.SpecError
        Naming the option and the first offending key path.
    """
    import json

    try:
        data = json.loads(text, parse_constant=_constant)
    except ValueError as exc:
        raise SpecError(CMDLINE, option, str(exc), "an output without NaN or Infinity "
                        "(the computation gave a non-finite number)") from None
    for path, value in _walk(data, "", False):
        raise SpecError(CMDLINE, option, f"{path} = {value}", "an output with a number "
                        "wherever one belongs (the computation gave a non-finite number)")


def check_csv_numbers(option: str, text: str) -> None:
    """Refuse a CSV output with a ``nan`` or ``inf`` cell (row and column named).

    Raises
    ------
    grcim.errors.SpecError
        Naming the option, the row, the column and the cell.
    """
    import csv
    import io

    rows = csv.reader(io.StringIO(text))
    header = next(rows, [])
    for n, row in enumerate(rows, start=2):
        for column, cell in zip(header, row, strict=False):
            if cell.strip().lower() in _BAD_CELLS:
                raise SpecError(CMDLINE, option, f"line {n}, {column} = {cell}", "an output "
                                "without NaN or infinite numbers (the computation gave one)")
