"""The sweep spec: a YAML file naming the design space, the workloads and the sampling.

```yaml
sweep:
  name: "edge design space"          # optional label
  mode: map                          # map (whole-model mapping) or physics (per-MAC models)
  archs: [edge_grmac, edge_conventional]   # bundled names or arch files (relative to this file)
  variables:                         # arch variables to vary (docs/arch.md lists them all)
    n_macros: [8, 16, 32]
    sqnr_target_db: {min: 30, max: 40, steps: 3}
  workloads:                         # map mode only
    models: [llama3-8b]
    phases: [prefill, decode]
    batch: [1]
    tokens: [2048]                   # prefill: new tokens per sequence (default: the model's)
    context: [2048]                  # decode: context after the step
  sampling: {method: grid}           # grid | random (n, seed) | lhs (n, seed)
  constraints:                       # a point outside a bound is recorded as infeasible
    area_m2: {max: 20.0e-6}
    power_w: {max: 5.0}
```

The file is validated like the arch files (pydantic, ``extra="forbid"``): the first problem
raises one :class:`~grcim.errors.SpecError` naming the file, line, key path, bad value and
what is allowed. Plain YAML only: numbers are numbers, text is text, no expressions.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from grcim.arch import Arch, list_bundled, load_arch_text
from grcim.arch.bindings import ONLY_FOR
from grcim.arch.loader import bundled_path
from grcim.errors import CMDLINE, GrcimError, SpecError, did_you_mean
from grcim.resources import bundled, bundled_or_file, file_path, names_a_file
from grcim.sweep.schema import (
    CONSTRAINT_KEYS,
    MAP_OBJECTIVES,
    MAX_DESIGNS,
    MAX_POINTS,
    PHYSICS_OBJECTIVES,
    Bound,
    Range,
    Sampling,
    SweepSpec,
    Workloads,
)
from grcim.sweep.variables import CHIP_ONLY, SWEEPABLE, check_value, is_integer
from grcim.workloads import load_model_configs
from grcim.workloads.config import model_configs_from_text
from grcim.yamlio import LineDict, load_yaml_text, read_bytes_capped, read_text_file

__all__ = ["SweepSpec", "Range", "Sampling", "Workloads", "Bound", "LoadedSpec",
           "load_spec", "load_spec_text", "list_bundled_specs", "MAP_OBJECTIVES",
           "PHYSICS_OBJECTIVES", "CONSTRAINT_KEYS", "MAX_DESIGNS",
           "MAX_POINTS"]

@dataclass(frozen=True)
class LoadedSpec:
    """A validated spec with everything its points depend on read in.

    Attributes
    ----------
    spec : SweepSpec
        The validated ``sweep`` section, values canonical (variables checked).
    source : str
        File the spec came from.
    text : str
        The spec file's text.
    arch_texts : dict[str, tuple[str, str, str]]
        Each ``archs`` entry -> (arch name, source shown in errors, YAML text).
    arch_kinds : dict[str, str]
        Each ``archs`` entry -> ``chip`` or ``macro``.
    models_text : str or None
        Text of the workloads' models file (None: the bundled one).
    spec_hash : str
        Hash of the canonical spec, the arch texts, the models text and the swept files.
    file_digests : dict[str, str]
        Each file a swept variable names (absolute path) -> sha256 of its content.
    """

    spec: SweepSpec
    source: str
    text: str
    arch_texts: dict[str, tuple[str, str, str]]
    arch_kinds: dict[str, str]
    models_text: str | None
    spec_hash: str
    file_digests: dict[str, str] = field(default_factory=dict)
    """Absolute path of each file a swept variable names (``technology``) -> sha256 of its
    bytes: a point's key includes it, so an edited file makes new points."""

    @property
    def objectives(self) -> tuple[tuple[str, str], ...]:
        """(column, min|max) of the Pareto front of this mode."""
        return MAP_OBJECTIVES if self.spec.mode == "map" else PHYSICS_OBJECTIVES


def _line(data: Any, loc: tuple[Any, ...]) -> int | None:
    node, line = data, getattr(data, "line", None)
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.line_of(part) or line
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            line = getattr(node, "line", None) or line
        else:
            break
    return line


def _value(data: Any, loc: tuple[Any, ...]) -> Any:
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


_TYPE_WORDS = {
    "int_type": "an integer (a YAML number without a fraction; not text or true/false)",
    "float_type": "a number (not text or true/false)",
    "bool_type": "true or false (not text or a number)",
    "string_type": "text",
}
"""What a strict type error means, in the words of docs/sweep.md (pydantic's own message
says "a valid integer" without saying that "2", 2.0 and true are not)."""


def _pydantic_error(source: str, data: Any, exc: ValidationError) -> SpecError:
    errors = exc.errors()
    # a union (list of values | range) reports one error per member: the deepest location
    # is the member the value was meant for (a mapping's range field, not "a valid list")
    n = max(len(errors[0]["loc"]) - 1, 0)
    first = max(errors, key=lambda e: (e["loc"][:n] == errors[0]["loc"][:n], len(e["loc"])))
    # pydantic adds the union member to the location (``list[any]``, ``Range``): drop it
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and (
        "[" in p or p in ("Range",))))
    msg = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] in _TYPE_WORDS:
        msg = _TYPE_WORDS[first["type"]]
    elif first["type"] == "extra_forbidden":
        msg = "unknown key"
    elif first["type"] == "missing":
        msg = "missing required key"
    full = ("sweep", *loc)
    return SpecError(source, ".".join(str(p) for p in full), _value(data, full), msg,
                     _line(data, full))


def _read_named(path: Path, source: str, key: str, entry: str, what: str,
                line: int | None) -> str:
    """The text of a file the spec names; a missing or unreadable one is the spec's error
    (spec file, key and value as written), not one about a file the user never wrote."""
    try:
        return read_text_file(path)
    except SpecError as exc:
        raise SpecError(source, key, entry, f"an existing, readable {what} file (relative "
                        f"paths are relative to the spec file's folder; {path}: "
                        f"{exc.allowed})", line) from None


def _read_archs(spec: SweepSpec, source: str, base: Path, data: Any
                ) -> tuple[dict[str, tuple[str, str, str]], dict[str, str], set[str]]:
    """Each arch's (name, source, text) and kind, and the pipelines of them all."""
    texts: dict[str, tuple[str, str, str]] = {}
    kinds: dict[str, str] = {}
    pipelines: set[str] = set()
    for i, entry in enumerate(spec.archs):
        where = ("sweep", "archs", i)
        if entry in texts:
            raise SpecError(source, f"sweep.archs.{i}", entry, "each arch once",
                            _line(data, where))
        found = bundled_path(entry, file=source, key=f"sweep.archs.{i}", base=base,
                             line=_line(data, where),
                             allowed=f"a bundled arch ({', '.join(list_bundled())}) or a path "
                             "to an arch .yaml file")
        if isinstance(found, Path):
            text = _read_named(found, source, f"sweep.archs.{i}", entry, "arch",
                               _line(data, where))
            shown, name = str(found), found.stem
        else:
            text, shown, name = found.read_text(encoding="utf-8"), str(found), entry
        arch = load_arch_text(text, shown, name)
        if spec.mode == "map" and arch.kind != "chip":
            raise SpecError(source, f"sweep.archs.{i}", entry, "a chip (kind: \"chip\"); "
                            "map sweeps map workloads on whole chips, physics sweeps take "
                            "macros too (mode: physics)", _line(data, where))
        clash = next((e for e, (n, _, _) in texts.items() if n == name), None)
        if clash is not None:  # rows, reports and Pareto fronts name archs by this name
            raise SpecError(source, f"sweep.archs.{i}", entry, f"an arch with a name of its "
                            f"own: {clash!r} is also named {name!r} (names are the bundled "
                            "names and the file stems; save the file under another stem)",
                            _line(data, where))
        texts[entry] = (name, shown, _with_technology_digest(
            text, arch, source, f"sweep.archs.{i}", entry, _line(data, where)))
        kinds[entry] = arch.kind
        pipelines.add(arch.macro.pipeline.value)
    return texts, kinds, pipelines


def _with_technology_digest(text: str, arch: Arch, source: str, key: str, entry: str,
                            line: int | None) -> str:
    """The arch text, with the digest of every technology file it names (variable, all
    models' attributes, node attributes) appended as YAML comments: a point's key and the
    spec's hash hash the arch text, so an edited technology file makes new points instead
    of leaving rows priced with the old one as done (which `grcim map` would then
    contradict). A missing file is keyed as missing (the models report it); a file grcim
    does not read (not a regular file, too large, unreadable) fails the spec here."""
    lines: list[str] = []
    for value in arch.technology_files:  # each once, resolved as the loader gives them
        # an arch not read from a file keeps relative paths: the models open them from
        # the current folder
        path = Path(value) if os.path.isabs(value) else Path.cwd() / value
        shown = str(path)
        if not os.path.lexists(path):
            lines.append(f"# grcim sweep: technology file {shown} missing")
            continue
        try:
            digest = hashlib.sha256(read_bytes_capped(path)).hexdigest()
        except SpecError as exc:
            raise SpecError(source, key, entry, f"an arch whose technology files grcim can "
                            f"read; technology = {value!r} names {path}: {exc.allowed}",
                            line) from None
        lines.append(f"# grcim sweep: technology file {shown} sha256 {digest}")
    if not lines:
        return text
    return text.rstrip() + "\n" + "\n".join(lines) + "\n"


FILE_KEYS = ("technology",)
"""Swept variables whose value may name a file (a path, read by the component models)."""


def _swept_file(key: str, value: Any, base: Path, source: str, dotted: str,
                line: int | None, digests: dict[str, str]) -> Any:
    """A swept value that names a file, as an absolute path (digest recorded in
    ``digests``); any other value unchanged.

    Resolved here, not by the arch loader: the loader resolves a relative path against the
    *arch* file, which for a bundled arch is inside the installed package, while the docs
    promise paths relative to the spec file. A missing file fails the spec at once instead
    of making every point infeasible.
    """
    if not (key in FILE_KEYS and isinstance(value, str)):
        return value
    if not names_a_file(value):
        from grcim.physics.technology import BUNDLED_NODES

        # a misspelled node passed the spec and made every point infeasible (exit 0)
        if value not in BUNDLED_NODES:
            raise SpecError(source, dotted, value, f"a bundled {key} "
                            f"({', '.join(BUNDLED_NODES)}) or a {key} file (a path or a "
                            ".yaml name, relative to the spec file's folder)", line)
        return value
    path = file_path(value, base).resolve()
    try:  # the input policy of every file grcim reads: regular files, capped
        digests[str(path)] = hashlib.sha256(read_bytes_capped(path)).hexdigest()
    except SpecError as exc:
        raise SpecError(source, dotted, value, f"an existing, readable {key} file "
                        f"(relative paths are relative to the spec file's folder; {path}: "
                        f"{exc.allowed}) or a bundled name", line) from None
    return str(path)


def _check_variables(spec: SweepSpec, source: str, data: Any, kinds: dict[str, str],
                     pipelines: set[str], base: Path, digests: dict[str, str]
                     ) -> dict[str, list[Any] | Range]:
    out: dict[str, list[Any] | Range] = {}
    for key, values in spec.variables.items():
        where = ("sweep", "variables", key)
        dotted = f"sweep.variables.{key}"
        if key not in SWEEPABLE:
            hint = did_you_mean(key, SWEEPABLE)
            raise SpecError(source, dotted, key, f"unknown arch variable; {hint}valid: "
                            + ", ".join(SWEEPABLE), _line(data, where))
        only = ONLY_FOR.get(key)
        if only is not None and only not in pipelines:
            raise SpecError(source, dotted, key, f"a variable that changes a {only!r} "
                            f"macro: the archs here are {', '.join(sorted(pipelines))} "
                            "(their models never read it)", _line(data, where))
        if key in CHIP_ONLY:
            macros = [a for a, k in kinds.items() if k != "chip"]
            if macros:
                raise SpecError(source, dotted, key, f"a macro variable: {macros[0]!r} is a "
                                "macro file and has no chip keys", _line(data, where))
        if key in CHIP_ONLY and spec.mode == "physics":
            raise SpecError(source, dotted, key, "a macro variable: a physics point prices "
                            "one MAC of the macro, which chip variables do not change "
                            "(sweep them with mode: map)", _line(data, where))
        if isinstance(values, Range):
            out[key] = _check_range(key, values, spec, source, dotted, data, where)
            continue
        if not values:
            raise SpecError(source, dotted, [], "a non-empty list of values (an empty "
                            "grid has no points)", _line(data, where))
        checked: list[Any] = []
        for i, v in enumerate(values):
            canon, problem = check_value(key, v)
            if problem is not None:
                raise SpecError(source, f"{dotted}.{i}", v, problem,
                                _line(data, (*where, i)))
            canon = _swept_file(key, canon, base, source, f"{dotted}.{i}",
                                _line(data, (*where, i)), digests)
            if canon in checked:
                raise SpecError(source, f"{dotted}.{i}", v, "each value once",
                                _line(data, (*where, i)))
            checked.append(canon)
        out[key] = checked
    return out


def _check_range(key: str, r: Range, spec: SweepSpec, source: str, dotted: str, data: Any,
                 where: tuple[Any, ...]) -> Range:
    for end in ("min", "max"):
        _, problem = check_value(key, getattr(r, end))
        if problem is not None:
            raise SpecError(source, f"{dotted}.{end}", getattr(r, end), problem,
                            _line(data, (*where, end)))
    if r.log and r.min <= 0:
        raise SpecError(source, f"{dotted}.min", r.min, "> 0 with log: true",
                        _line(data, (*where, "min")))
    if r.steps is None and spec.sampling.method == "grid":
        raise SpecError(source, f"{dotted}.steps", None, "required with grid sampling (how "
                        "many values from min to max)", _line(data, where))
    if is_integer(key) and r.steps is not None and r.steps > int(r.max) - int(r.min) + 1:
        raise SpecError(source, f"{dotted}.steps", r.steps, f"at most {int(r.max - r.min) + 1}"
                        " distinct integers fit in this range", _line(data, (*where, "steps")))
    return r


def _check_rest(spec: SweepSpec, source: str, data: Any) -> None:
    s = spec.sampling
    if s.method == "grid" and s.n is not None:
        raise SpecError(source, "sweep.sampling.n", s.n, "only with method random or lhs "
                        "(grid takes every combination)", _line(data, ("sweep", "sampling")))
    if s.method != "grid" and s.n is None:
        raise SpecError(source, "sweep.sampling.n", None, f"required with method {s.method} "
                        "(how many design points)", _line(data, ("sweep", "sampling")))
    if spec.mode == "physics" and spec.workloads is not None:
        raise SpecError(source, "sweep.workloads", "...", "absent in physics mode (the "
                        "per-MAC models take no workload)", _line(data, ("sweep", "workloads")))
    allowed = CONSTRAINT_KEYS[spec.mode]
    for key, bound in spec.constraints.items():
        where = ("sweep", "constraints", key)
        if key not in allowed:
            raise SpecError(source, f"sweep.constraints.{key}", key, f"a result of a "
                            f"{spec.mode} sweep: {', '.join(allowed)}", _line(data, where))
        if bound.min is None and bound.max is None:
            raise SpecError(source, f"sweep.constraints.{key}", {}, "min and/or max",
                            _line(data, where))


def _check_workloads(spec: SweepSpec, source: str, base: Path, data: Any) -> str | None:
    if spec.mode != "map":
        return None
    w = spec.workloads or Workloads()
    text = None
    path = None
    if w.models_file is not None:
        path = file_path(w.models_file, base)
        text = _read_named(path, source, "sweep.workloads.models_file", w.models_file,
                           "models", _line(data, ("sweep", "workloads", "models_file")))
    try:  # the text the workers receive is the text validated here (read once)
        configs = (load_model_configs() if text is None
                   else model_configs_from_text(text, str(path)))
    except GrcimError as exc:
        raise SpecError(source, "sweep.workloads.models_file", w.models_file,
                        f"a readable models file ({exc})",
                        _line(data, ("sweep", "workloads", "models_file"))) from None
    for i, name in enumerate(w.models):
        if name not in configs:
            raise SpecError(source, f"sweep.workloads.models.{i}", name,
                            "a model of the models file: " + ", ".join(configs),
                            _line(data, ("sweep", "workloads", "models", i)))
    if "decode" not in w.phases and w.context is not None:
        raise SpecError(source, "sweep.workloads.context", w.context, "only with the decode "
                        "phase", _line(data, ("sweep", "workloads", "context")))
    if "prefill" not in w.phases and w.tokens is not None:
        raise SpecError(source, "sweep.workloads.tokens", w.tokens, "only with the prefill "
                        "phase", _line(data, ("sweep", "workloads", "tokens")))
    return text


def _hash(spec: SweepSpec, archs: dict[str, tuple[str, str, str]], models: str | None,
          files: dict[str, str]) -> str:
    canon = {"spec": spec.model_dump(mode="json"), **({"files": files} if files else {}),
             "archs": {k: hashlib.sha256(t.encode()).hexdigest() for k, (_, _, t) in
                       archs.items()},
             "models": None if models is None else hashlib.sha256(models.encode()).hexdigest()}
    text = json.dumps(canon, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def load_spec_text(text: str, source: str = "<string>", base_dir: str | None = None
                   ) -> LoadedSpec:
    """Validate sweep spec ``text``; relative paths resolve against ``base_dir``.

    Raises
    ------
    grcim.errors.SpecError
        The first problem, naming file, line, key path, value and what is allowed.
    """
    data = load_yaml_text(text, source)
    if not isinstance(data, dict) or "sweep" not in data:
        raise SpecError(source, "<top>", type(data).__name__ if not isinstance(data, dict)
                        else ", ".join(map(str, data)) or "{}",
                        "a mapping with the single top-level key 'sweep'", 1)
    for key in data:
        if key != "sweep":
            raise SpecError(source, str(key), key, "unknown top-level key; a sweep spec has "
                            "only 'sweep'", data.line_of(key) if isinstance(data, LineDict)
                            else None)
    if not isinstance(data["sweep"], dict):
        raise SpecError(source, "sweep", data["sweep"], "a mapping of sweep settings",
                        _line(data, ("sweep",)))
    try:
        spec = SweepSpec.model_validate(data["sweep"])
    except ValidationError as exc:
        raise _pydantic_error(source, data, exc) from None
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    _check_rest(spec, source, data)
    archs, kinds, pipelines = _read_archs(spec, source, base, data)
    digests: dict[str, str] = {}
    variables = _check_variables(spec, source, data, kinds, pipelines, base, digests)
    models_text = _check_workloads(spec, source, base, data)
    workloads = spec.workloads if spec.mode == "physics" else (spec.workloads or Workloads())
    spec = spec.model_copy(update={"variables": variables, "workloads": workloads})
    return LoadedSpec(spec, source, text, archs, kinds, models_text,
                      _hash(spec, archs, models_text, digests), digests)


def list_bundled_specs() -> list[str]:
    """Names of the example specs shipped in ``grcim.sweep.specs``."""
    node = bundled("grcim.sweep", "specs")
    return sorted(e.name.removesuffix(".yaml") for e in node.iterdir()
                  if e.name.endswith(".yaml"))


def load_spec(path_or_name: str | os.PathLike[str]) -> LoadedSpec:
    """Load a spec file by path, or a bundled example spec by name (``edge_dse``)."""
    specs = {name: bundled("grcim.sweep", "specs", f"{name}.yaml")
             for name in list_bundled_specs()}
    found = bundled_or_file(path_or_name, specs, file=CMDLINE, key="SPEC",
                            allowed="a spec file path or a bundled spec (" + ", ".join(specs)
                            + ")", existing_file_wins=True)
    if isinstance(found, Path):
        return load_spec_text(read_text_file(found), str(found), str(found.parent))
    return load_spec_text(found.read_text(encoding="utf-8"), str(found))
