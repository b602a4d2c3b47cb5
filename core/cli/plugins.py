"""``grcim plugins``: grcim's estimator plug-ins, where they live and how to point tools at them.

Lists the hwcomponents models (component names, actions, attributes with defaults), says
whether hwcomponents' own discovery finds them in this environment (it does after a regular
``pip install``, not after an editable one), and prints the classic Accelergy 0.4 shim's
locations: the wheel's data files under ``<prefix>/share/accelergy/estimation_plug_ins/grcim``
(present only after a regular install) and the copy inside the package (always present).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import inspect
import json
import sys
import sysconfig
from pathlib import Path
from typing import Any

__all__ = ["register", "run", "shim_locations", "discovery_status"]

SHIM_FILES = ("grcim_estimators.py", "grcim.estimator.yaml")
DATA_DIR = Path("share", "accelergy", "estimation_plug_ins", "grcim")


def register(subparsers: Any) -> None:
    """Add the ``plugins`` sub-command."""
    p = subparsers.add_parser(
        "plugins",
        help="list grcim's hwcomponents models and where the Accelergy shim lives",
        description="List grcim's hwcomponents models with their actions and attributes, "
        "check hwcomponents discovery, and print the classic Accelergy 0.4 plug-in folders.",
    )
    p.add_argument("--no-discovery", action="store_true",
                   help="skip asking hwcomponents which installed models it finds")
    p.set_defaults(func=run)


def shim_locations() -> dict[str, Path | None]:
    """Folder of the installed data-file shim (None if absent) and of the packaged copy."""
    installed: Path | None = None
    try:
        files = importlib.metadata.distribution("grcim").files or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for f in files:
        if f.name == SHIM_FILES[1] and DATA_DIR.as_posix() in f.as_posix():
            installed = Path(str(f.locate())).resolve().parent
            break
    if installed is None:
        guess = Path(sysconfig.get_path("data")) / DATA_DIR
        installed = guess if (guess / SHIM_FILES[1]).is_file() else None
    import grcim.plugins.accelergy as shim_pkg

    packaged = Path(shim_pkg.__file__).resolve().parent
    return {"installed": installed, "packaged": packaged}


def discovery_status() -> tuple[bool, str]:
    """Whether hwcomponents' discovery finds grcim's models here, and why not."""
    from hwcomponents.find_models import installed_models

    found = {m.__name__ for m in installed_models()
             if m.__module__.startswith(("grcim.", "hwcomponents_grcim"))}
    if found:
        return True, f"hwcomponents discovers {len(found)} grcim models (hwcomponents_grcim)"
    editable = _editable()
    why = ("grcim is installed editable; hwcomponents only discovers hwcomponents_* packages "
           "of regular installs (pip install .)" if editable else
           "hwcomponents_grcim is not importable here")
    return False, f"hwcomponents does not discover grcim's models: {why}; pass "\
        "models=list(grcim.plugins.models.MODELS) explicitly"


def _editable() -> bool:
    try:
        text = importlib.metadata.distribution("grcim").read_text("direct_url.json") or "{}"
    except importlib.metadata.PackageNotFoundError:
        return False
    return bool(json.loads(text).get("dir_info", {}).get("editable", False))


def _attrs(model: type) -> str:
    parts = []
    for name, default in model.attribute_defaults().items():
        parts.append(name if default is inspect.Parameter.empty else f"{name}={default!r}")
    return ", ".join(parts)


def run(args: argparse.Namespace) -> int:
    """Print the models, the discovery status and the shim locations."""
    from grcim.plugins.models import MODELS

    out = sys.stdout
    out.write("hwcomponents models (grcim.plugins.models; top-level hwcomponents_grcim):\n")
    for model in MODELS:
        names = model.component_name
        names = [names] if isinstance(names, str) else list(names)
        out.write(f"  {names[0]} ({model.__name__}; aliases: {', '.join(names[1:]) or '-'})\n")
        out.write(f"    actions: {', '.join(model.action_names())}\n")
        out.write(f"    attributes: {_attrs(model)}\n")
    if not args.no_discovery:
        _, text = discovery_status()
        out.write(f"discovery: {text}\n")
    where = shim_locations()
    out.write("classic Accelergy 0.4 plug-in (grcim_estimators.py + grcim.estimator.yaml):\n")
    if where["installed"] is not None:
        out.write(f"  installed: {where['installed']}\n")
    else:
        out.write("  installed: not present (editable installs do not place data files; "
                  "use the packaged copy)\n")
    out.write(f"  packaged copy: {where['packaged']}\n")
    folder = where["installed"] or where["packaged"]
    out.write(f"  accelergy_config.yaml: add '{folder}' under estimator_plug_ins\n")
    return 0
