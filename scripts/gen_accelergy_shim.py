"""Generate the classic Accelergy 0.4 shim and primitive-component library from the models.

    .venv/bin/python scripts/gen_accelergy_shim.py          # rewrite both files
    .venv/bin/python scripts/gen_accelergy_shim.py --check  # exit 1 if either is stale

Writes ``plugins/accelergy/grcim_estimators.py`` (one ``Estimator`` class per hwcomponents
model of ``grcim.plugins.models.MODELS``) and ``plugins/accelergy/grcim.lib.yaml`` (the
primitive-component library that declares every component name's actions, without which
Accelergy gives primitives an empty ERT). Everything is read from the model classes by
introspection, never from a list kept here:

- estimator ``name``: the model's ``component_name`` (aliases included);
- ``percent_accuracy_0_to_100``: the model's hwcomponents ``priority`` x 100;
- ``__init__`` parameters, their order, defaults and (simple) annotations: the model's
  ``__init__`` signature, because Accelergy matches attributes to parameters by name and
  treats a parameter without a default as required. A default that is not a plain literal
  becomes ``MODEL_DEFAULT``: the shim then leaves the attribute out and the model applies
  its own default. Accelergy's ``technology`` is appended when the model has no parameter
  of that name (``grcim.plugins.accelergy.adapter`` turns it into ``tech_node``);
- actions: the model's ``@action`` methods with their own parameters.

The models are imported from the *installed* grcim (the shim runs there); the script
refuses to run when the installed model sources differ from this checkout's, so a stale
install cannot produce a stale shim. Reinstall first:
``.venv/bin/pip install -q --no-deps --force-reinstall .``.
"""

from __future__ import annotations

import argparse
import ast
import filecmp
import inspect
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHIM = ROOT / "plugins" / "accelergy" / "grcim_estimators.py"
LIBRARY = ROOT / "plugins" / "accelergy" / "grcim.lib.yaml"
MODELS_SRC = ROOT / "plugins" / "models"
GENERATOR = "scripts/gen_accelergy_shim.py"
# Annotations copied verbatim only when they use these names (the shim imports nothing else).
_SIMPLE_TYPES = {"int", "float", "str", "bool", "None", "Any", "list", "tuple", "dict"}
_LEAK_ACTION = "leak"  # Accelergy calls Estimator.leak(global_cycle_seconds) as an action


def _is_literal(value: Any) -> bool:
    try:
        return ast.literal_eval(repr(value)) == value and type(
            ast.literal_eval(repr(value))) is type(value)
    except (ValueError, SyntaxError):
        return False


def _annotation(param: inspect.Parameter) -> str:
    ann = param.annotation
    if ann is inspect.Parameter.empty:
        return "Any"
    text = ann if isinstance(ann, str) else inspect.formatannotation(ann)
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    return text if names <= _SIMPLE_TYPES else "Any"


def _parameters(func: Any, where: str) -> list[inspect.Parameter]:
    params = list(inspect.signature(func).parameters.values())[1:]  # drop self
    for p in params:
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            raise SystemExit(f"{GENERATOR}: {where} takes *{p.name}: Accelergy matches "
                             "attributes to named parameters only; give each one a name")
    return params


def _render_params(params: list[inspect.Parameter], extra: str = "") -> list[str]:
    lines = []
    for p in params:
        if p.default is inspect.Parameter.empty:
            lines.append(f"        {p.name}: {_annotation(p)},")
        else:
            default = repr(p.default) if _is_literal(p.default) else "MODEL_DEFAULT"
            lines.append(f"        {p.name}: {_annotation(p)} = {default},")
    if extra:
        lines.append(f"        {extra},")
    return lines


def _names(model: type) -> list[str]:
    names = model.component_name
    return [names] if isinstance(names, str) else list(names)


def _actions(model: type) -> list[tuple[str, Any]]:
    found: dict[str, Any] = {}
    for base in reversed(model.__mro__):
        for name, func in vars(base).items():
            if getattr(func, "_is_component_action", False):
                found[name] = func
    return sorted(found.items())


def _render_class(model: type) -> str:
    names = _names(model)
    init = _parameters(model.__init__, f"{model.__name__}.__init__")
    has_technology = any(p.name == "technology" for p in init)
    extra = "" if has_technology else "technology: Any = None"
    accuracy = round(float(model.priority) * 100)  # hwcomponents priority is 0..1
    out = [
        f"class Grcim{model.__name__}(_GrcimShim, Estimator):",
        f'    """``{names[0]}``: ``grcim.plugins.models.{model.__name__}`` for Accelergy."""',
        "",
        f"    name = {names!r}",
        f"    percent_accuracy_0_to_100 = {accuracy}",
        f"    _model_class = {model.__name__!r}",
        "",
        "    def __init__(",
        "        self,",
        *_render_params(init, extra),
        "    ) -> None:",
        "        self._build(dict(locals()))",
    ]
    for action, func in _actions(model):
        if action == _LEAK_ACTION:
            raise SystemExit(f"{GENERATOR}: {model.__name__}.{action}: Accelergy reserves "
                             "'leak' for leakage per cycle; rename the action")
        params = _parameters(func, f"{model.__name__}.{action}")
        head = f"    def {action}(self) -> float:"
        if params:
            head = "\n".join([f"    def {action}(", "        self,", *_render_params(params),
                              "    ) -> float:"])
        out += ["", "    @actionDynamicEnergy", head,
                f"        return self._energy({action!r}, dict(locals()))"]
    return "\n".join(out)


SHIM_HEAD = '''"""grcim's components as classic Accelergy 0.4 estimator plug-ins (one shim file).

GENERATED by scripts/gen_accelergy_shim.py from grcim.plugins.models: do not edit by hand;
rerun the script after changing a model (tests/accelergy/test_generated_shim.py fails
while this file is stale).

Accelergy loads this file by path (``grcim.estimator.yaml`` names it) and uses every class
defined *here* whose base is ``Estimator``: ``__init__`` and action arguments are matched to
the component's attributes by name (a parameter without a default is required),
``@actionDynamicEnergy`` methods return J, ``get_area`` m², ``leak(global_cycle_seconds)`` J
per cycle. Each class builds the grcim hwcomponents model of the same name through
``grcim.plugins.accelergy.adapter``, so the numbers are exactly grcim's. Accelergy's
``technology`` attribute (``"22nm"``, a number of nm, metres, or a technology file) is the
models' own ``technology``; a ``tech_node`` beside it scales that technology to its node.

Guards: if ``accelergy`` is missing, a stand-in ``Estimator`` keeps the file importable;
if ``grcim`` (or a dependency) cannot be imported in Accelergy's Python, the module still
loads and every class declines in ``__init__`` with the reason, so Accelergy tries its other
plug-ins instead of crashing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:
    from accelergy.plug_in_interface.estimator import Estimator, actionDynamicEnergy
except ImportError:  # no Accelergy here: keep the classes importable for inspection

    class Estimator:  # type: ignore[no-redef]
        """Stand-in with Accelergy's base-class name (used only without Accelergy)."""

        name: Any = None
        percent_accuracy_0_to_100: Any = None

        def __init__(self, name: str | None = None) -> None:
            self.estimator_name = name

    def actionDynamicEnergy(func: Any) -> Any:  # noqa: N802 (Accelergy's name)
        """Mark ``func`` as an Accelergy action."""
        func._is_accelergy_action = True
        return func


build_model: Callable[[str, dict[str, Any]], Any] | None
try:
    from grcim.plugins.accelergy.adapter import build_model

    _IMPORT_ERROR = ""
except Exception as _exc:  # noqa: BLE001  any import failure must leave Accelergy running
    build_model = None
    _IMPORT_ERROR = f"{type(_exc).__name__}: {_exc}"


class _ModelDefault:
    """Marks a parameter whose default only the model knows (left out of the model call)."""

    def __repr__(self) -> str:
        return "MODEL_DEFAULT"


MODEL_DEFAULT: Any = _ModelDefault()


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items()
            if k not in ("self", "__class__") and v is not MODEL_DEFAULT}


class _GrcimShim:
    """Shared behaviour; not an ``Estimator`` itself, so Accelergy does not register it."""

    _model_class = ""

    def _build(self, attrs: dict[str, Any]) -> None:
        Estimator.__init__(self)
        if build_model is None:
            raise RuntimeError(
                f"grcim is not importable in Accelergy's Python "
                f"({_IMPORT_ERROR}); install grcim there"
            )
        self._model = build_model(self._model_class, _given(attrs))

    def get_area(self) -> float:
        """Area of the component, m²."""
        return float(self._model.area)

    def leak(self, global_cycle_seconds: float) -> float:
        """Leakage energy per global cycle, J."""
        return float(self._model.leak_power) * float(global_cycle_seconds)

    def _energy(self, action: str, arguments: dict[str, Any]) -> float:
        return float(getattr(self._model, action)(**_given(arguments)).energy)
'''

LIB_HEAD = """\
# grcim's primitive-component library for classic Accelergy 0.4.
#
# GENERATED by scripts/gen_accelergy_shim.py from grcim.plugins.models: do not edit by hand.
# A regular `pip install grcim` places it under
# <prefix>/share/accelergy/primitive_component_libs/grcim/, which Accelergy's default
# configuration lists, so primitives placed directly in an architecture get ERT entries
# (without a library declaring their actions Accelergy writes `tables: []` silently).
# It declares actions only: attributes, their defaults and checks belong to the estimator
# (grcim_estimators.py; `grcim plugins` lists them). `leak` is Accelergy's leakage per
# global cycle.
"""


def render_shim(models: tuple[type, ...]) -> str:
    """The text of ``grcim_estimators.py`` for ``models``."""
    classes = "\n\n\n".join(_render_class(m) for m in models)
    return f"{SHIM_HEAD}\n\n{classes}\n"


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_library(models: tuple[type, ...]) -> str:
    """The text of ``grcim.lib.yaml`` for ``models`` (one class per component name)."""
    lines = [LIB_HEAD, "version: 0.4", "classes:"]
    for model in models:
        actions = [name for name, _ in _actions(model)] + [_LEAK_ACTION]
        for name in _names(model):
            lines.append(f"- name: {_yaml_str(name)}  # {model.__name__}")
            lines.append("  attributes: {}")
            lines.append("  actions:")
            lines += [f"  - name: {_yaml_str(a)}" for a in actions]
    return "\n".join(lines) + "\n"


def _stale_install() -> list[str]:
    """Model source files that differ between this checkout and the installed grcim."""
    import grcim.plugins.models as installed

    here = Path(installed.__file__).resolve().parent
    if here == MODELS_SRC.resolve():
        return []
    diff = []
    for src in sorted(MODELS_SRC.glob("*.py")):
        other = here / src.name
        if not other.is_file() or not filecmp.cmp(src, other, shallow=False):
            diff.append(src.name)
    diff += [p.name for p in sorted(here.glob("*.py")) if not (MODELS_SRC / p.name).is_file()]
    return diff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 (changing nothing) if a generated file is stale")
    args = parser.parse_args(argv)
    stale = _stale_install()
    if stale:
        print(f"{GENERATOR}: the installed grcim's models differ from this checkout "
              f"({', '.join(stale)}); reinstall first: .venv/bin/pip install -q --no-deps "
              "--force-reinstall .", file=sys.stderr)
        return 2
    from grcim.plugins.models import MODELS

    outputs = {SHIM: render_shim(tuple(MODELS)), LIBRARY: render_library(tuple(MODELS))}
    differ = [p for p, text in outputs.items()
              if not p.is_file() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for p in differ:
            print(f"{GENERATOR}: {p.relative_to(ROOT)} is stale; run {GENERATOR}",
                  file=sys.stderr)
        return 1 if differ else 0
    for p in differ:
        p.write_text(outputs[p], encoding="utf-8")
        print(f"wrote {p.relative_to(ROOT)}")
    if not differ:
        print("generated files are current")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
