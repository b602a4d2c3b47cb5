"""Check an Accelergy-format architecture that uses grcim's component classes.

Accelergy 0.4 accepts several mistakes silently or reports them far from their cause; this
module finds them first, one :class:`~grcim.errors.SpecError` line per problem (file, line,
``<component>.attributes.<name>``, value, what is allowed). ``grcim validate`` runs it on
any YAML file whose top-level ``architecture`` holds ``subtree``/``local`` (Accelergy's
tree) or ``nodes`` (the Timeloop v0.4 front-end's list). For every component whose class
(or ``subclass``) is a grcim component name, with the attributes it inherits from the
containers above it:

- **unquoted text** (``normalization: row``): Accelergy evaluates unquoted text as Python
  and crashes (``row`` is not defined); text must be quoted (``"row"``). Unquoted names of
  ``variables`` and arithmetic over them are fine;
- **unknown or misspelled attributes** set on the component (Accelergy drops them with an
  INFO line and the default is used): named with the closest attribute of the model, or
  the list of its attributes. Accelergy/Timeloop's own attributes (``datawidth``,
  ``global_cycle_seconds``, ...) are allowed; an inherited attribute is reported only when
  it is close to, but not, a model attribute;
- **missing technology**: Accelergy 0.4 requires ``technology`` (and
  ``global_cycle_seconds``) on every component, set on it or a container above, and stops
  without them (it also takes ``TECHNOLOGY`` / ``GLOBAL_CYCLE_SECONDS``, all capitals); a
  component's own ``tech_node`` that differs from a node ``technology`` it inherits gets a
  warning: grcim's models scale that technology to the ``tech_node``, not price the node
  (Accelergy requires ``technology`` everywhere, so a ``tech_node`` on one component under
  a top-level ``"22nm"`` prices 22 nm scaled; given together on one component, the scaling
  is asked for and passes). A top-level ``variables``
  section must hold both keys itself: Accelergy parses it first and stops ("Required key
  ... not found in variables.") whatever the components set;
- **class names in another case** (``GR_MAC``): Accelergy's class lookup is case-sensitive
  and finds no estimator;
- **values outside the models' domains** (``technology: 65``): the model is built exactly as
  the shim builds it (:mod:`grcim.plugins.accelergy.adapter`) and its one-line reason is
  reported under the attribute the user wrote; a missing required attribute is named;
  ``global_cycle_seconds`` (the ``leak`` action's argument) must be a positive number;
- **expressions that are not arithmetic**: Accelergy 0.4 evaluates every unquoted
  attribute and variable with Python's ``eval``. Attribute access, subscripts, names
  beginning with ``_``, lambdas, comprehensions and calls of anything but Accelergy's own
  math functions are refused wherever they appear under ``attributes`` or ``variables``
  (grcim never evaluates them); an expression the models receive that grcim's evaluator
  cannot compute (a user math function, ``str()``) is a ``not checked`` warning.

Attribute names, defaults and domains come from the model classes themselves. Expressions
are evaluated with :func:`grcim.expressions.evaluate_accelergy` (never ``eval``); their
shape is read with :mod:`ast` (parsed, never run); user math function files are parsed for
their names, never run.
"""

from __future__ import annotations

import ast
import difflib
import glob
import inspect
import math
import os
import re
import sys
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from grcim.errors import GrcimError, ModelDomainError, SpecError
from grcim.expressions import ACCELERGY_FUNCTIONS, NotComputed, evaluate_accelergy
from grcim.plugins.accelergy.adapter import (
    TECHNOLOGY,
    build_model,
    model_parameters,
    technology_to_metres,
)
from grcim.plugins.models.technode import EXACT_TOLERANCE
from grcim.yamlio import KeyPath, dotted, load_yaml_text, read_text_file, scalar_nodes

if TYPE_CHECKING:  # the models (and hwcomponents) are imported on first use
    from grcim.plugins.models.batch import CostModel

__all__ = ["ACCELERGY_FUNCTIONS", "GENERIC_ATTRIBUTES", "AccelergyProblems",
           "is_accelergy_document", "check_accelergy_file", "check_accelergy_text",
           "user_functions"]

GENERIC_ATTRIBUTES = frozenset({
    # Accelergy's own
    "technology", "global_cycle_seconds", "cycle_seconds", "action_latency_cycles",
    # the two required keys Accelergy 0.4 also takes in capitals (it copies them over)
    "TECHNOLOGY", "GLOBAL_CYCLE_SECONDS",
    "n_instances", "plug_in", "min_accuracy", "minimum_accuracy", "version", "area_scale",
    "energy_scale", "latency",
    # Timeloop's storage, compute and spatial attributes
    "datawidth", "width", "depth", "entries", "sizeKB", "block_size", "cluster_size",
    "n_banks", "meshX", "meshY", "read_bandwidth", "write_bandwidth", "shared_bandwidth",
    "multiple_buffering", "min_utilization", "reduction_supported", "network_fill_latency",
    "network_drain_latency", "allow_overbooking", "has_power_gating", "power_gated_at",
    "metadata_block_size", "metadata_datawidth", "metadata_storage_width",
    "metadata_storage_depth", "concordant_compressed_tile_traversal",
    "tile_partition_supported", "decompression_supported", "compression_supported",
    "per_dataspace_bandwidth_consumption_scale",
})
"""Attributes Accelergy and Timeloop themselves read; never reported as unknown."""
_TREE_KEYS = ("subtree", "local", "nodes")
_CYCLE = "global_cycle_seconds"
_QUOTING = 'Accelergy evaluates unquoted text as Python: write it in quotes ("{}")'
_REFUSED = ("refused, never evaluated: {} (Accelergy runs unquoted values as Python); "
            "allowed: a number, quoted text, or arithmetic over numbers and variables with "
            "Accelergy's math functions (min, max, ceil, log2, ...)")
_FAILS = "Accelergy cannot evaluate it: {}"
_NOT_CHECKED = "not checked: {} (Accelergy may compute it; grcim's models receive it unchecked)"
_CYCLE_ALLOWED = "a positive finite number of seconds (e.g. 1e-9)"

Path = KeyPath


class AccelergyProblems(GrcimError):
    """Several problems in one Accelergy file; ``str()`` is the first, ``problems`` all."""

    def __init__(self, problems: list[SpecError]) -> None:
        super().__init__(str(problems[0]))
        self.problems = problems

    def __str__(self) -> str:
        more = len(self.problems) - 1
        return str(self.problems[0]) + (f" (and {more} more)" if more else "")


def is_accelergy_document(data: Any) -> bool:
    """A mapping whose ``architecture`` holds ``subtree``, ``local`` or ``nodes``."""
    arch = data.get("architecture") if isinstance(data, dict) else None
    return isinstance(arch, dict) and any(k in arch for k in _TREE_KEYS)


@dataclass
class _Scalar:
    value: Any
    quoted: bool
    line: int


def _scalar(node: yaml.ScalarNode) -> _Scalar:
    return _Scalar(node.value, node.style in ("'", '"'), node.start_mark.line + 1)


def _scalars(text: str) -> tuple[yaml.Node | None, dict[Path, _Scalar]]:
    """The composed document and every scalar value by key path (first place only, for
    content an alias repeats), with whether it was quoted and its line."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    return root, {path: _scalar(node) for path, node in scalar_nodes(root)}


def _child(node: yaml.Node, key: Any, seen: set[int] | None = None) -> yaml.Node | None:
    """The value node under ``key`` (a mapping key, merged ``<<`` keys included, or a list
    index) of a composed node."""
    if isinstance(node, yaml.SequenceNode):
        return node.value[key] if isinstance(key, int) and 0 <= key < len(node.value) else None
    if not isinstance(node, yaml.MappingNode):
        return None
    seen = seen if seen is not None else set()
    if id(node) in seen:
        return None
    seen.add(id(node))
    merged: list[yaml.Node] = []
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode):
            if k.value == str(key):
                return v
            if k.value == "<<":
                merged += v.value if isinstance(v, yaml.SequenceNode) else [v]
    for m in merged:
        found = _child(m, key, seen)
        if found is not None:
            return found
    return None


def _is_plain_expression(s: _Scalar | None) -> bool:
    return s is not None and not s.quoted and isinstance(s.value, str)


def _not_arithmetic(text: str, user: frozenset[str] = frozenset()) -> str | None:
    """Why Python text is refused unevaluated (attribute access, ``_`` names, calls of
    unknown functions, ...), or None: its shape is arithmetic. Only parsed, never run."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # not Python: unquoted text (Accelergy stops), reported as such
    found: dict[int, str] = {}  # by priority: the most telling reason is given
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            found.setdefault(0, f"name {node.id!r} (names beginning with _ are not arithmetic)")
        elif isinstance(node, ast.Call) and not isinstance(node.func, ast.Name):
            found.setdefault(2, "a call of something other than a function name")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id not in ACCELERGY_FUNCTIONS and node.func.id not in user:
            found.setdefault(2, f"call of {node.func.id!r} (not one of Accelergy's math "
                             "functions, nor a user function Accelergy is configured with)")
        elif not isinstance(node, _ARITHMETIC):
            found.setdefault(1 if isinstance(node, ast.Attribute) else 3,
                             f"{_KINDS.get(type(node), type(node).__name__)} not allowed")
    return found[min(found)] if found else None


_ARITHMETIC = (ast.Expression, ast.Constant, ast.Name, ast.Load, ast.BinOp, ast.UnaryOp,
               ast.BoolOp, ast.Compare, ast.IfExp, ast.Call, ast.keyword, ast.List,
               ast.Tuple, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)
_KINDS: dict[type, str] = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambda",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.JoinedStr: "f-strings", ast.FormattedValue: "f-strings", ast.NamedExpr: "assignment",
    ast.Starred: "starred arguments", ast.Dict: "dicts", ast.Set: "sets", ast.Slice: "slices",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
}


@dataclass(frozen=True)
class _Refused:
    """A value refused unevaluated; ``why`` says what in it is not arithmetic."""

    why: str


@dataclass(frozen=True)
class _Unchecked:
    """A value grcim does not compute (a user function, ``str()``): ``why`` says why; or,
    ``failed``, one Python (so Accelergy) fails on (``1/0``, an unknown name)."""

    why: str
    failed: bool = False


def _function_names(path: str) -> set[str]:
    """The top-level names a Python file defines or imports: read with :mod:`ast`, never
    run (Accelergy binds every callable among them)."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), filename=path)
    except (OSError, ValueError, SyntaxError, RecursionError, MemoryError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


def user_functions(data: Any, source: str) -> frozenset[str]:
    """The names of the user math functions Accelergy 0.4 would bind (its
    ``accelergy.parsing_utils``): every top-level callable of the Python files listed in
    ``math_functions`` of ``accelergy_config.yaml`` (``./`` first, else
    ``~/.config/accelergy/``), in ``ACCELERGY_MATH_FUNCTIONS`` (``:``-separated) and in the
    file's own ``globals: {expression_custom_functions: [...]}`` (relative to the file,
    globs allowed). The files are parsed, never run."""
    paths: list[str] = [p.strip() for p in
                        os.environ.get("ACCELERGY_MATH_FUNCTIONS", "").split(":") if p.strip()]
    for folder in (".", os.path.expanduser("~/.config/accelergy")):
        config = os.path.join(folder, "accelergy_config.yaml")
        if os.path.isfile(config):
            try:
                with open(config, encoding="utf-8") as f:
                    loaded = yaml.safe_load(f)
            except (OSError, ValueError, yaml.YAMLError):
                loaded = None
            listed = loaded.get("math_functions") if isinstance(loaded, dict) else None
            paths += [str(p) for p in listed or [] if isinstance(p, str)]
            break
    glob_ = data.get("globals") if isinstance(data, dict) else None
    listed = glob_.get("expression_custom_functions") if isinstance(glob_, dict) else None
    here = os.path.dirname(os.path.abspath(source))
    for p in listed if isinstance(listed, list) else []:
        if isinstance(p, str):
            paths += glob.glob(os.path.join(here, os.path.expanduser(p))) or [p]
    names: set[str] = set()
    for p in paths:
        names |= _function_names(p)
    return frozenset(n for n in names if not n.startswith("_"))


@dataclass
class _Attr:
    """One attribute as a component sees it."""

    name: str
    raw: Any
    path: Path
    owner: str
    own: bool


@dataclass
class _Component:
    name: str
    cls: str
    path: Path
    line: int
    attrs: dict[str, _Attr] = field(default_factory=dict)
    level: str = ""  # a Timeloop node's own class when a subclass names the model


def _attributes(node: dict, path: Path, owner: str, own: bool) -> dict[str, _Attr]:
    attrs = node.get("attributes")
    if not isinstance(attrs, dict):
        return {}
    return {str(k): _Attr(str(k), v, (*path, "attributes", k), owner, own)
            for k, v in attrs.items()}


def _inherit(inherited: dict[str, _Attr]) -> dict[str, _Attr]:
    return {k: _Attr(a.name, a.raw, a.path, a.owner, False) for k, a in inherited.items()}


def _walk_tree(node: Any, path: Path, prefix: str, inherited: dict[str, _Attr],
               out: list[_Component]) -> None:
    """Accelergy's tree: ``subtree`` nodes pass their attributes to ``local`` and below."""
    if not isinstance(node, dict):
        return
    name = str(node.get("name", ""))
    here = f"{prefix}.{name}" if prefix and name else (prefix or name)
    attrs = {**_inherit(inherited), **_attributes(node, path, here, False)}
    for i, comp in enumerate(node.get("local") or []):
        if isinstance(comp, dict) and ("class" in comp or "subclass" in comp):
            cname = f"{here}.{comp.get('name', i)}" if here else str(comp.get("name", i))
            c = _Component(cname, str(comp.get("subclass") or comp.get("class")),
                           (*path, "local", i), getattr(comp, "line", None) or 1)
            c.attrs = {**_inherit(attrs), **_attributes(comp, c.path, cname, True)}
            out.append(c)
    for i, child in enumerate(node.get("subtree") or []):
        _walk_tree(child, (*path, "subtree", i), here, attrs, out)


def _walk_nodes(nodes: Any, path: Path, inherited: dict[str, _Attr],
                out: list[_Component]) -> dict[str, _Attr]:
    """The front-end's list: a container's attributes reach every node after it."""
    attrs = dict(inherited)
    for i, node in enumerate(nodes if isinstance(nodes, list) else []):
        if not isinstance(node, dict):
            continue
        npath = (*path, i)
        tag = (getattr(node, "tag", None) or "").lower()
        name = str(node.get("name", i))
        if "nodes" in node:  # !Hierarchical / !Parallel branch
            _walk_nodes(node["nodes"], (*npath, "nodes"), attrs, out)
        elif tag == "container" or ("class" not in node and "subclass" not in node):
            attrs = {**_inherit(attrs), **_attributes(node, npath, name, False)}
        else:
            c = _Component(name, str(node.get("subclass") or node.get("class")), npath,
                           getattr(node, "line", None) or 1,
                           level=str(node.get("class", "")) if node.get("subclass") else "")
            c.attrs = {**_inherit(attrs), **_attributes(node, npath, name, True)}
            out.append(c)
    return attrs


def _grcim_models() -> dict[str, type[CostModel]]:
    from grcim.plugins.models import MODELS

    out: dict[str, type[CostModel]] = {}
    for model in MODELS:
        names = model.component_name
        for n in [names] if isinstance(names, str) else names:
            out[n] = model
    return out


def _numeric(text: str) -> Any:
    """Accelergy's own cast of unquoted text: true/false and numbers (``1e-9``, ``inf``
    included)."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    x = float(text)
    return int(x) if math.isfinite(x) and x == int(x) else x


class _Checker:
    def __init__(self, source: str, text: str, data: dict) -> None:
        self.source = source
        self.root, self.scalars = _scalars(text)
        self.data = data
        self.problems: list[SpecError] = []
        self.reported: set[str] = set()
        self.distinct: set[str] = set()  # the problems' one-line texts
        self.warnings: list[SpecError] = []  # values grcim's models receive unchecked
        self.unchecked: dict[str, _Unchecked] = {}  # variables grcim does not compute
        self.user = user_functions(data, source)
        self.variables = self._variables()

    def problem(self, key: str, value: Any, allowed: str, line: int | None) -> None:
        error = SpecError(self.source, key, value, allowed, line)
        # An attribute inherited from a container is checked once per component that
        # inherits it, with the same key, value and line: report each distinct error once.
        if str(error) not in self.distinct:
            self.distinct.add(str(error))
            self.problems.append(error)

    def warn(self, key: str, value: Any, why: str, line: int | None) -> None:
        warning = SpecError(self.source, key, value, _NOT_CHECKED.format(why), line)
        if str(warning) not in self.distinct:
            self.distinct.add(str(warning))
            self.warnings.append(warning)

    def note(self, key: str, value: Any, why: str, line: int | None) -> None:
        """A warning that is not about an unchecked value (``why`` as given)."""
        warning = SpecError(self.source, key, value, why, line)
        if str(warning) not in self.distinct:
            self.distinct.add(str(warning))
            self.warnings.append(warning)

    def scalar(self, path: Path) -> _Scalar | None:
        """The scalar at ``path``, also where an alias repeats it (the data's path)."""
        s = self.scalars.get(path)
        if s is not None or self.root is None:
            return s
        node: yaml.Node | None = self.root
        for key in path:
            node = _child(node, key) if node is not None else None
        return _scalar(node) if isinstance(node, yaml.ScalarNode) else None

    def line(self, path: Path, default: int | None = None) -> int | None:
        s = self.scalar(path)
        return s.line if s else default

    def check_name_ranges(self, comp: _Component, values: dict[str, Any]) -> None:
        """The instance ranges in a component's name and its subtrees' (``PE[0..n - 1]``):
        Accelergy 0.4 evaluates both ends as arithmetic over the variables and the
        attributes (its ``interpret_component_list``) and stops on an unknown name or an end
        below the start, so each end must compute to an integer and the end be >= the
        start. An end grcim cannot compute (a user function) is left unchecked, said so."""
        known = {k: v for k, v in {**self.variables, **values}.items()
                 if isinstance(v, (int, float)) and not isinstance(v, bool)}
        for match in _RANGE.finditer(comp.name):
            ends: list[Any] = []
            for text in match.group(1, 2):
                text = text.strip()
                why = _not_arithmetic(text, self.user) if text else "an empty index"
                if why is None:
                    try:
                        ends.append(evaluate_accelergy(text, known))
                        continue
                    except NotComputed as exc:
                        self.warn(f"{comp.name}.name", match.group(0), exc.allowed,
                                  comp.line)
                        return
                    except SpecError as exc:
                        why = exc.allowed
                ends = []
                self.problem(f"{comp.name}.name", match.group(0), "an instance range "
                             "[A..B] whose ends compute to integers over the variables and "
                             f"attributes ({why})", comp.line)
                break
            if len(ends) == 2 and not all(isinstance(e, (int, float)) and float(e) == int(e)
                                          for e in ends):
                # Accelergy counts int(B) - int(A) + 1 instances without a word
                self.note(f"{comp.name}.name", match.group(0), f"its ends compute to "
                          f"{ends[0]!r} and {ends[1]!r}, not integers: Accelergy counts "
                          f"{int(ends[1]) - int(ends[0]) + 1} instances", comp.line)
            elif len(ends) == 2 and ends[1] < ends[0]:
                self.problem(f"{comp.name}.name", match.group(0), f"an instance range "
                             f"[A..B] with B >= A (it computes to [{ends[0]}..{ends[1]}]; "
                             "Accelergy stops)", comp.line)

    def refuse_non_arithmetic(self, comps: list[_Component]) -> None:
        """Every unquoted value Accelergy evaluates (under ``attributes`` or ``variables``)
        whose Python shape is not arithmetic, in any component or container: one problem
        each, named as :meth:`check` names it (``<owner>.attributes.<name>``)."""
        owners = {a.path[:-2]: a.owner for c in comps for a in c.attrs.values()}
        for path, s in self.scalars.items():
            evaluated = path[:1] == ("variables",) or "attributes" in path[:-1]
            if not evaluated or not _is_plain_expression(s) or _is_number(s.value):
                continue
            why = _not_arithmetic(s.value, self.user)
            if why is None:
                continue
            key = dotted(path)
            for i, part in enumerate(path[:-1]):
                if part == "attributes" and path[:i] in owners:
                    key = f"{owners[path[:i]]}.attributes.{dotted(path[i + 1:])}"
                    break
            self.problem(key, s.value, _REFUSED.format(why), s.line)

    def _variables(self) -> dict[str, Any]:
        raw = self.data.get("variables")
        if not isinstance(raw, dict):
            return {}
        out: dict[str, Any] = {}
        for k, v in raw.items():
            if k == "version":
                continue
            value = self.value(v, ("variables", k), out)
            if isinstance(value, _Unchecked):
                self.unchecked[str(k)] = value
            elif not isinstance(value, _Refused) and value is not _BAD:
                out[str(k)] = value
        if _CYCLE in out:
            self.check_cycle(out[_CYCLE], f"variables.{_CYCLE}",
                             self.line(("variables", _CYCLE)))
        return out

    def value(self, raw: Any, path: Path, names: dict[str, Any]) -> Any:
        """The value Accelergy would compute; ``_BAD`` for bare text, a :class:`_Refused`
        for text that is not arithmetic, an :class:`_Unchecked` for arithmetic that
        grcim's evaluator cannot compute."""
        s = self.scalar(path)
        if not isinstance(raw, str) or s is None or s.quoted:
            return raw
        try:
            return _numeric(raw)
        except ValueError:
            pass
        text = raw.strip()
        if text.isidentifier():
            if text in names:
                return names[text]
            if text in self.unchecked:
                u = self.unchecked[text]
                return _Unchecked(f"variable {text}: {u.why}", u.failed)
            return _BAD
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SyntaxWarning)
                compile(text, "<attribute>", "eval", ast.PyCF_ONLY_AST)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return _BAD
        why = _not_arithmetic(text, self.user)
        if why is not None:
            return _Refused(why)
        known = {k: v for k, v in names.items() if isinstance(v, (int, float, str))}
        try:
            return evaluate_accelergy(text, known)
        except SpecError as exc:
            used = sorted(n.id for n in ast.walk(ast.parse(text, mode="eval"))
                          if isinstance(n, ast.Name) and n.id in self.unchecked
                          and n.id not in known)
            if used:
                u = self.unchecked[used[0]]
                return _Unchecked(f"variable {used[0]}: {u.why}", u.failed)
            return _Unchecked(exc.allowed, not isinstance(exc, NotComputed))

    def check_cycle(self, value: Any, key: str, line: int | None) -> None:
        """``global_cycle_seconds`` (the shim's ``leak`` argument): a positive number."""
        if isinstance(value, (_Refused, _Unchecked)) or value is _BAD:
            return  # reported as such
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or value <= 0:
            self.problem(key, value, _CYCLE_ALLOWED, line)

    def check(self, comp: _Component, model: type[CostModel]) -> None:
        params = model_parameters(model)
        _alias_capitals(comp.attrs)
        where = f"{comp.name}.attributes"
        values: dict[str, Any] = {}
        unusable: set[str] = set()  # given, but bare text, refused or not checkable
        names = dict(self.variables)
        received = {*params, TECHNOLOGY, _CYCLE, TECHNOLOGY.upper(), _CYCLE.upper()}
        for name, a in comp.attrs.items():
            v = self.value(a.raw, a.path, names)
            written = str(a.path[-1])  # TECHNOLOGY as written
            key = f"{where}.{written}" if a.own else f"{a.owner}.attributes.{written}"
            if v is _BAD:
                unusable.add(name)
                self.problem(key, a.raw, "unquoted text: " + _QUOTING.format(a.raw),
                             self.line(a.path))
                continue
            if isinstance(v, _Refused):
                # the same line as refuse_non_arithmetic's (once), unless an alias brought
                # the value from outside an attributes or variables section
                unusable.add(name)
                self.problem(key, a.raw, _REFUSED.format(v.why), self.line(a.path))
                continue
            if isinstance(v, _Unchecked):
                if name in received:
                    unusable.add(name)
                    if v.failed:
                        self.problem(key, a.raw, _FAILS.format(v.why), self.line(a.path))
                    else:
                        self.warn(key, a.raw, v.why, self.line(a.path))
                continue
            values[name] = v
            names[name] = v
        known = set(params) | GENERIC_ATTRIBUTES
        for name, a in comp.attrs.items():
            if name in known:
                continue
            close = difflib.get_close_matches(name, list(params), n=1, cutoff=0.75)
            line = self.line(a.path)
            if a.own and close:
                self.problem(f"{where}.{name}", a.raw, f"not an attribute of {comp.cls} "
                             f"(Accelergy would drop it and use the default): did you mean "
                             f"{close[0]}?", line)
            elif a.own:
                self.problem(f"{where}.{name}", a.raw, f"not an attribute of {comp.cls} "
                             "(Accelergy would drop it); its attributes: "
                             + ", ".join(dict.fromkeys((*params, TECHNOLOGY))), line)
            elif close:
                self.problem(f"{a.owner}.attributes.{name}", a.raw, f"not an attribute of "
                             f"{comp.cls} (inherited by {comp.name}): did you mean "
                             f"{close[0]}?", line)
        if TECHNOLOGY not in comp.attrs:
            node_default = params.get("tech_node")
            if not isinstance(node_default, (int, float)):
                # tech_node defaults to None: the models then serve their default node
                from grcim.plugins.models.technode import node_from_attributes

                node_default = node_from_attributes(None, None).target_node_m
            default = (f"; with tech_node alone Accelergy stops, and without either grcim's "
                       f"models would use tech_node = {node_default:g} m"
                       if "tech_node" in params else "")
            self.problem(f"{where}.{TECHNOLOGY}", None, "missing: Accelergy 0.4 requires "
                         'technology (e.g. "22nm") on the component or a container above it'
                         + default, comp.line)
            return
        if _CYCLE not in comp.attrs and _CYCLE not in self.reported:
            self.reported.add(_CYCLE)  # once per file: it is missing above every component
            self.problem(f"{where}.{_CYCLE}", None, "missing: Accelergy 0.4 requires "
                         "global_cycle_seconds (e.g. 1e-9) on every component, set on it or "
                         "a container above it (usually the top one)", comp.line)
        elif _CYCLE in values:
            cycle = comp.attrs[_CYCLE]
            written = str(cycle.path[-1])  # GLOBAL_CYCLE_SECONDS as written
            self.check_cycle(values[_CYCLE], f"{where}.{written}" if cycle.own
                             else f"{cycle.owner}.attributes.{written}", self.line(cycle.path))
        tech, node = comp.attrs[TECHNOLOGY], comp.attrs.get("tech_node")
        # every grcim model takes technology and tech_node: a tech_node off the technology's
        # node scales that technology (docs/plugins.md), which is deliberate where the two are
        # given together. Accelergy requires technology on every node, though, so a
        # tech_node on one component under a container's technology may mean "this node":
        # a warning says what is priced (equal nodes within the models' 0.1 % tolerance, so
        # 22 * 1e-9 is 22nm)
        disagree: tuple[str, Any, str, int | None] | None = None
        if (node is not None and node.own and not tech.own and "tech_node" in params
                and TECHNOLOGY in values and "tech_node" in values):
            try:
                named = technology_to_metres(values[TECHNOLOGY])
                node_m = float(values["tech_node"])
                same = math.isclose(named, node_m, rel_tol=EXACT_TOLERANCE)
            except (GrcimError, TypeError, ValueError, OverflowError):
                same = True  # a technology file (scaled on purpose), or a domain error below
            if not same:  # said once the values are in the models' domains (below)
                disagree = (
                    f"{where}.tech_node", values["tech_node"],
                    f"tech_node differs from technology = {tech.raw!r} (from {tech.owner}): "
                    f"grcim's models price the {named * 1e9:g} nm technology scaled to "
                    f"{node_m * 1e9:g} nm, not the {node_m * 1e9:g} nm technology (for that, "
                    "set technology on this component)",
                    self.line(node.path, comp.line))
        self.check_name_ranges(comp, values)  # Accelergy evaluates them with the attributes
        missing = [n for n, d in params.items() if d is inspect.Parameter.empty
                   and values.get(n) is None and n not in unusable]
        for n in missing:
            self.problem(f"{where}.{n}", None, f"missing: {comp.cls} requires it (Accelergy "
                         "would find no estimator)", comp.line)
        if unusable or missing:
            return
        try:
            build_model(model.__name__, values)
        except ModelDomainError as exc:
            given = comp.attrs.get(exc.item)
            written = str(given.path[-1]) if given else exc.item  # TECHNOLOGY as written
            key = f"{where}.{written}" if given is None or given.own else \
                f"{given.owner}.attributes.{written}"
            line = self.line(given.path, comp.line) if given else comp.line
            self.problem(key, exc.value, exc.allowed, line)
            return
        if disagree is not None:
            self.note(*disagree)


_BAD = object()
#: An instance range in a name, ``PE[0..15]`` or ``PE[0..n - 1]`` (Accelergy 0.4).
_RANGE = re.compile(r"\[([^\[\]]*?)\.\.([^\[\]]*)\]")


def _is_number(text: str) -> bool:
    try:
        _numeric(text)
    except ValueError:
        return False
    return True


def _alias_capitals(attrs: dict[str, _Attr]) -> None:
    """Accelergy 0.4 takes ``TECHNOLOGY`` / ``GLOBAL_CYCLE_SECONDS`` for the lower-case
    keys (a component's own key before an inherited one): check them as those."""
    for key in (TECHNOLOGY, _CYCLE):
        upper, lower = attrs.get(key.upper()), attrs.get(key)
        if upper is not None and (lower is None or (upper.own and not lower.own)):
            attrs[key] = _Attr(key, upper.raw, upper.path, upper.owner, upper.own)


def _check_variables(checker: _Checker) -> None:
    """Accelergy 0.4 parses a top-level ``variables`` section with the keys every component
    needs and stops when it lacks one, even if the components set it (exit 255)."""
    raw = checker.data.get("variables")
    if not isinstance(raw, dict):
        return
    line = getattr(raw, "line", None) or next(
        (s.line for p, s in checker.scalars.items() if p[:1] == ("variables",)), None)
    for key, example in ((_CYCLE, "1e-9"), (TECHNOLOGY, '"22nm"')):
        if key not in raw and key.upper() not in raw:
            checker.problem(f"variables.{key}", None, f"missing: Accelergy 0.4 requires "
                            f"{key} (e.g. {example}) in a top-level variables section, "
                            "whatever the components set (it stops: required key not found "
                            "in variables)", line)


_STORAGE_ACTIONS = ("read", "write", "update")
"""The actions Timeloop asks Accelergy to price for every storage level (and ``leak``)."""


def _storage_needs_ert(checker: _Checker, comp: _Component, model: type[CostModel]) -> None:
    """A grcim model as a Timeloop ``storage`` level (how ``grcim export timeloop`` writes
    the tolls): Timeloop asks Accelergy for read, write and update of every storage level,
    and the model has no write or update, so Accelergy stops ("No action with name write").
    The file is right for Timeloop with the export's ERT.yaml/ART.yaml, not without: a
    warning, not a problem."""
    missing = [a for a in _STORAGE_ACTIONS if a not in model.action_names()]
    if comp.level.lower() != "storage" or not missing:
        return
    checker.note(f"{comp.name}.subclass", comp.cls,
                 f"priced only through an ERT: as a Timeloop storage level it is asked for "
                 f"{', '.join(_STORAGE_ACTIONS)}, and {comp.cls} has no "
                 f"{' or '.join(missing)}, so Accelergy cannot price it; run Timeloop with "
                 "the export's ERT.yaml and ART.yaml (docs/timeloop.md)",
                 checker.line((*comp.path, "subclass"), comp.line))


def check_accelergy_text(text: str, source: str
                         ) -> tuple[str, list[SpecError], list[SpecError]]:
    """Check Accelergy YAML ``text``; return a description, the problems found and the
    values grcim's models receive that grcim does not compute (not checked)."""
    data = load_yaml_text(text, source)
    if not is_accelergy_document(data):
        raise SpecError(source, "architecture", None, "an Accelergy architecture: a mapping "
                        "with subtree, local or nodes")
    checker = _Checker(source, text, data)
    arch = data["architecture"]
    comps: list[_Component] = []
    if "nodes" in arch:
        _walk_nodes(arch["nodes"], ("architecture", "nodes"), {}, comps)
    else:
        _check_variables(checker)  # classic Accelergy reads this file's variables itself
        _walk_tree(arch, ("architecture",), "", {}, comps)
    models = _grcim_models()
    used: Counter[str] = Counter()
    for comp in comps:
        model = models.get(comp.cls)
        if model is None:
            # Accelergy matches class names case-sensitively: GR_MAC finds no estimator
            lower = {m.lower(): m for m in models}
            close = ([lower[comp.cls.lower()]] if comp.cls.lower() in lower else
                     [lower[c] for c in difflib.get_close_matches(
                         comp.cls.lower(), list(lower), n=1, cutoff=0.8)])
            if close:
                key = "subclass" if (*comp.path, "subclass") in checker.scalars else "class"
                case = (" (Accelergy matches class names case-sensitively)"
                        if close[0].lower() == comp.cls.lower() else "")
                checker.problem(f"{comp.name}.{key}", comp.cls, f"no such component "
                                f"class{case}: did you mean {close[0]}?",
                                checker.line((*comp.path, key), comp.line))
            continue
        used[comp.cls] += 1
        checker.check(comp, model)
        _storage_needs_ert(checker, comp, model)
    checker.refuse_non_arithmetic(comps)
    checker.problems.sort(key=lambda p: p.line or 0)  # file order (stable within a line)
    checker.warnings.sort(key=lambda p: p.line or 0)
    parts = ", ".join(f"{n} x{c}" if c > 1 else n for n, c in used.items())
    what = (f"Accelergy architecture ({len(comps)} components; grcim: {parts})" if used
            else f"Accelergy architecture ({len(comps)} components, none of grcim's)")
    return what, checker.problems, checker.warnings


def check_accelergy_file(path: str, warn: Callable[[str], None] | None = None) -> str:
    """Check one Accelergy file; return its OK description. Each value grcim's models
    receive that grcim does not compute (a user math function, ``str()``) is passed to
    ``warn`` as one line (default: printed on stderr as ``grcim validate: warning: ...``);
    it does not fail the file.

    Raises
    ------
    AccelergyProblems
        One or more problems (each a one-line :class:`~grcim.errors.SpecError`).
    grcim.errors.SpecError
        The file cannot be read or parsed.
    """
    what, problems, unchecked = check_accelergy_text(read_text_file(path), path)
    for warning in unchecked:
        if warn is None:
            print(f"grcim validate: warning: {warning}", file=sys.stderr)
        else:
            warn(str(warning))
    if problems:
        raise AccelergyProblems(problems)
    return what
