"""``grcim plugins``: grcim's estimator plug-ins, where they live and how to point tools at them.

Lists the hwcomponents models (component names, actions, attributes with defaults), says
whether hwcomponents' own discovery finds them in this environment (it does after a regular
``pip install``, not after an editable one), and prints the classic Accelergy 0.4 plug-in's
locations: the wheel's data files under ``<prefix>/share/accelergy/estimation_plug_ins/grcim``
(the shim) and ``<prefix>/share/accelergy/primitive_component_libs/grcim`` (the primitive
library), present only after a regular install, and the copy inside the package (always).

Accelergy advice, checked against the configuration Accelergy would read
(``./accelergy_config.yaml``, else ``~/.config/accelergy/accelergy_config.yaml``): with none,
Accelergy writes a default one on its first run that lists this environment's
``share/accelergy`` folders, so a regular install needs nothing. An existing file that does
not list the folders holding the shim and the library (written by another environment, or
an editable install) is reported with the complete file to write instead: its own entries
kept, the missing folders added. Folders are never replaced: Accelergy 0.4 crashes
(``UnboundLocalError ... 'file_path'``) when no table plug-in (its default folder) is listed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import inspect
import json
import sys
import sysconfig
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grcim.cli.options import add_command
from grcim.errors import GrcimError

if TYPE_CHECKING:
    from grcim.plugins.models.batch import CostModel

__all__ = ["register", "run", "shim_locations", "discovery_status"]

SHIM_FILES = ("grcim_estimators.py", "grcim.estimator.yaml")
LIBRARY_FILE = "grcim.lib.yaml"
DATA_DIR = Path("share", "accelergy", "estimation_plug_ins", "grcim")
LIBRARY_DIR = Path("share", "accelergy", "primitive_component_libs", "grcim")
CONFIG_NAME = "accelergy_config.yaml"


def register(subparsers: Any) -> None:
    """Add the ``plugins`` sub-command."""
    p = add_command(
        subparsers, run,
        "list grcim's hwcomponents models and where the Accelergy shim lives",
        "List grcim's hwcomponents models with their actions and attributes, check hwcomponents "
        "discovery, and print the classic Accelergy 0.4 plug-in folders.")
    p.add_argument("--no-discovery", action="store_true",
                   help="skip asking hwcomponents which installed models it finds")


def _data_folder(name: str, data_dir: Path) -> Path | None:
    try:
        files = importlib.metadata.distribution("grcim").files or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for f in files:
        if f.name == name and data_dir.as_posix() in f.as_posix():
            return Path(str(f.locate())).resolve().parent
    guess = Path(sysconfig.get_path("data")) / data_dir
    return guess if (guess / name).is_file() else None


def shim_locations() -> dict[str, Path | None]:
    """Folders of the installed data files (None if absent) and of the packaged copy.

    Keys: ``installed`` (the shim), ``library`` (the primitive-component library),
    ``packaged`` (both, inside the package).
    """
    import grcim.plugins.accelergy as shim_pkg

    return {"installed": _data_folder(SHIM_FILES[1], DATA_DIR),
            "library": _data_folder(LIBRARY_FILE, LIBRARY_DIR),
            "packaged": Path(shim_pkg.__file__).resolve().parent}


def accelergy_config_path(cwd: Path | None = None) -> Path | None:
    """The configuration Accelergy 0.4 reads: ``./`` first, then ``~/.config/accelergy/``."""
    for folder in ((cwd or Path.cwd()), Path.home() / ".config" / "accelergy"):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    return None


def _listed(entries: Any) -> list[str]:
    """The folders a config value names: a list's items, or one text (Accelergy's estimator
    search takes a single path too); anything else names none."""
    if isinstance(entries, str):
        return [entries]
    return [str(e) for e in entries] if isinstance(entries, list) else []


def _covers(entries: Any, folder: Path) -> bool:
    """Accelergy searches each listed folder recursively: is ``folder`` inside one?

    Paths are taken as Accelergy takes them: ``~`` is not expanded (Accelergy 0.4 opens
    ``~/x`` as a folder named ``~``), relative paths are from the working directory."""
    for entry in _listed(entries):
        try:
            root = Path(entry).resolve()
        except (OSError, RuntimeError):
            continue
        if folder == root or root in folder.parents:
            return True
    return False


def config_advice(where: dict[str, Path | None], config: Path | None
                  ) -> tuple[list[str], str | None]:
    """Lines of advice, and the complete configuration to write (None if nothing to do)."""
    share = Path(sysconfig.get_path("data")) / "share" / "accelergy"
    shim = where["installed"] or where["packaged"]
    library = where["library"] or where["packaged"]
    assert shim is not None and library is not None
    if config is None:
        if where["installed"] is not None and where["library"] is not None:
            return ([f"accelergy config: none yet; nothing to add: on its first run Accelergy "
                     f"(installed in this environment) writes ~/.config/accelergy/"
                     f"{CONFIG_NAME} listing {share / 'estimation_plug_ins'} and "
                     f"{share / 'primitive_component_libs'}, which hold grcim's files"], None)
        content: dict[str, Any] = {
            "version": "0.4",
            "estimator_plug_ins": [str(share / "estimation_plug_ins")],
            "primitive_components": [str(share / "primitive_component_libs")],
            "compound_components": [], "math_functions": [], "python_plug_ins": [],
            "table_plug_ins": {"roots": [str(share / "table_plug_ins")]}}
        target = Path.home() / ".config" / "accelergy" / CONFIG_NAME
        head = (f"accelergy config: none yet, and this install has no data files (editable "
                f"install?): write {target} as follows")
    else:
        from grcim.yamlio import load_yaml_file

        try:
            loaded = load_yaml_file(config)
        except GrcimError as exc:
            return ([f"accelergy config: {config} cannot be read ({exc}); delete it and "
                     "Accelergy writes a default one"], None)
        content = dict(loaded) if isinstance(loaded, dict) else {"version": "0.4"}
        target = config
        missing = []
        if "version" not in content:  # Accelergy 0.4 stops on such a file
            content = {"version": "0.4", **content}
            missing.append("version is missing (Accelergy 0.4 stops: \"config file has no "
                           "version number\")")
        for key, folder, default in (("estimator_plug_ins", shim, share / "estimation_plug_ins"),
                                     ("primitive_components", library,
                                      share / "primitive_component_libs")):
            entries = content.get(key)
            listed = _listed(entries)
            # Accelergy iterates primitive_components, so one text is read character by
            # character; the estimator search accepts one path as text
            if isinstance(entries, str) and key == "primitive_components":
                missing.append(f"{key} is one text, not a list of folders (Accelergy reads "
                               "each character as a folder)")
            elif _covers(listed, folder):
                continue
            else:
                tilde = [e for e in listed if e.startswith("~")]
                missing.append(f"{key} lists no folder holding {folder}" + (
                    f" (Accelergy does not expand ~ in {', '.join(tilde)})" if tilde else ""))
            # this environment's default folder (it also holds Accelergy's own table
            # plug-in, without which Accelergy 0.4 crashes), then grcim's if elsewhere
            added = [p for p in (default, folder) if p.is_dir()]
            if _covers([str(default)], folder) and default.is_dir():
                added = [default]
            content[key] = [*listed, *[str(p) for p in added if not _covers(listed, p)]]
        if not missing:
            return ([f"accelergy config: {config} lists the folders of grcim's shim and "
                     "primitive library: nothing to add"], None)
        head = (f"accelergy config: {config}: {'; '.join(missing)} (written by another "
                f"environment?): write it as follows (its entries kept, the missing "
                f"folders added)")
    import json

    import yaml

    plain = json.loads(json.dumps(content, default=str))  # LineDicts -> plain YAML types
    text = yaml.safe_dump(plain, sort_keys=False, default_flow_style=False)
    return [head, f"  file: {target}"], text


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


def _attrs(model: type[CostModel]) -> str:
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
    out.write("classic Accelergy 0.4 plug-in (grcim_estimators.py + grcim.estimator.yaml; "
              "primitive-component library grcim.lib.yaml):\n")
    absent = "not present (editable installs do not place data files; use the packaged copy)"
    out.write(f"  installed: {where['installed'] or absent}\n")
    out.write(f"  library: {where['library'] or absent}\n")
    out.write(f"  packaged copy: {where['packaged']}\n")
    lines, config = config_advice(where, accelergy_config_path())
    for line in lines:
        out.write(f"  {line}\n")
    if config is not None:
        out.write("  --- begin accelergy_config.yaml ---\n")
        out.write(config)
        out.write("  --- end accelergy_config.yaml ---\n")
    out.write("  Accelergy attributes: quote text (\"22nm\", \"row\"); set technology; "
              "'grcim validate FILE' checks an architecture\n")
    return 0
