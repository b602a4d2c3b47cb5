"""Run ``timeloop-model`` or ``timeloop-mapper`` on an export folder, through the front-end.

Timeloop's v0.4 ``nodes`` specification is read by its Python front-end
(``pytimeloop.timeloopfe``, imported here only), which writes Timeloop's own input
(``parsed-processed-input.yaml``) and runs the binary found on ``PATH`` (or in ``bin_dir``)
in ``out``. What the front-end needs and is done here:

- ``ERT.yaml`` and ``ART.yaml`` are passed as extra input files, so Timeloop never calls
  Accelergy (no plug-ins needed at run time);
- the front-end's output parser reads ``<prefix>.ART.yaml`` in ``out``, which only
  Accelergy writes: a copy of ``ART.yaml`` is put there first;
- the result is read from ``timeloop-<tool>.stats.txt``, not from the exit status (Timeloop
  may exit 0 without doing the work); a missing file is an error with the log's last lines.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path
from typing import Literal

from grcim.errors import MappingError
from grcim.export.timeloop_stats import TimeloopStats, parse_stats

__all__ = ["run_timeloop", "INPUTS"]

INPUTS: dict[str, tuple[str, ...]] = {
    "model": ("arch.yaml", "problem.yaml", "mapping.yaml"),
    "mapper": ("arch.yaml", "problem.yaml", "constraints.yaml", "mapper.yaml"),
}
"""The export files each tool reads (besides ``ERT.yaml`` and ``ART.yaml``)."""


def _front_end():  # noqa: ANN202  (a module)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pytimeloop.timeloopfe.v4 as tl
    except ImportError:
        raise MappingError("running Timeloop on an export needs its Python front-end "
                           "(pytimeloop.timeloopfe; docs/timeloop.md says where it is)") from None
    return tl


def run_timeloop(folder: str | os.PathLike[str], tool: Literal["model", "mapper"],
                 out: str | os.PathLike[str], bin_dir: str | os.PathLike[str] | None = None,
                 timeout_s: float = 600.0) -> TimeloopStats:
    """Run Timeloop ``tool`` on the export in ``folder``, in ``out``; parse its stats.

    Raises
    ------
    grcim.errors.MappingError
        The front-end is missing, or Timeloop wrote no stats (the log's tail says why).
    """
    tl = _front_end()
    src, dst = Path(folder), Path(out)
    dst.mkdir(parents=True, exist_ok=True)
    prefix = f"timeloop-{tool}"
    shutil.copyfile(src / "ART.yaml", dst / f"{prefix}.ART.yaml")
    env = {}
    if bin_dir is not None:
        env["PATH"] = f"{Path(bin_dir).resolve()}{os.pathsep}{os.environ.get('PATH', '')}"
    log = dst / f"{prefix}.log"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = tl.Specification.from_yaml_files(*(str(src / f) for f in INPUTS[tool]))
        call = tl.call_model if tool == "model" else tl.call_mapper
        proc = call(spec, output_dir=str(dst), environment=env or None,
                    extra_input_files=[str(src / "ERT.yaml"), str(src / "ART.yaml")],
                    log_to=str(log), return_proc=True)
    try:
        proc.wait(timeout=timeout_s)
    except Exception:
        proc.kill()
        proc.wait()
        raise
    stats = dst / f"{prefix}.stats.txt"
    if not stats.is_file():
        tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.is_file() else []
        raise MappingError(f"{prefix} wrote no stats in {dst} (exit {proc.returncode}): "
                           + " | ".join(tail))
    return parse_stats(stats)
