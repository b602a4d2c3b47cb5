"""LLM decoder model configurations: the validated record and the YAML loader.

A models file (the bundled ``models.yaml`` or one a user writes in the same grammar, which
the bundled file documents in its header) maps model names to shapes. Loading checks every
value with pydantic and turns the first problem into a one-line
:class:`grcim.errors.SpecError` naming the file, line, key path, bad value and what is allowed.
"""

from __future__ import annotations

import os
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails

from grcim.errors import SpecError
from grcim.resources import bundled
from grcim.yamlio import LineDict, load_yaml_file, load_yaml_text

__all__ = [
    "ModelConfig",
    "BUNDLED_SOURCE",
    "load_model_configs",
    "default_model_name",
    "is_workload_file",
    "validate_workload_file",
    "MODEL_NAME_PATTERN",
]

BUNDLED_SOURCE = "grcim.workloads/models.yaml"
"""How errors name the bundled file."""

MODEL_NAME_PATTERN = r"[a-z0-9][a-z0-9._-]{0,63}"
"""Allowed model names: they are typed on the command line and used in op and file names."""

RESERVED_NAMES = frozenset({"list"})
"""Names the CLI uses as sub-commands (``grcim workload list``)."""

# Upper bounds are far above any published model; they exist so that a typo such as an extra
# digit group is reported instead of producing astronomically large graphs.
_BOUNDS: dict[str, tuple[int, int]] = {
    "d_model": (1, 2**20),
    "n_heads": (1, 2**16),
    "n_kv_heads": (1, 2**16),
    "head_dim": (1, 2**16),
    "d_ff": (1, 2**22),
    "n_layers": (1, 2**14),
    "vocab": (1, 2**24),
    "max_context": (1, 2**24),
    "position_embeddings": (1, 2**24 + 64),
}


class ModelConfig(BaseModel):
    """Shape of one decoder-only transformer (all sizes are element counts, not bytes).

    Built from one entry of a models YAML file; frozen and validated on construction.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str = Field(pattern=rf"^{MODEL_NAME_PATTERN}$")
    """Identifier: the entry's key in the models file (the loader fills it in)."""
    title: str = ""
    """Human-readable name for reports (e.g. ``Llama-3-8B``)."""
    source: str = ""
    """Where the numbers come from (URL of the published ``config.json``)."""
    d_model: int = Field(ge=1, le=_BOUNDS["d_model"][1])
    """Width of the residual stream (hidden size), elements per token."""
    n_heads: int = Field(ge=1, le=_BOUNDS["n_heads"][1])
    """Number of query heads per layer."""
    n_kv_heads: int = Field(ge=1, le=_BOUNDS["n_kv_heads"][1])
    """Number of key/value heads per layer (grouped-query attention when < ``n_heads``)."""
    decoupled_head_dim: bool = False
    """Allow ``n_heads * head_dim != d_model`` (otherwise that mismatch is an error)."""
    head_dim: int = Field(ge=1, le=_BOUNDS["head_dim"][1])
    """Elements per head (query, key and value heads share it)."""
    d_ff: int = Field(ge=1, le=_BOUNDS["d_ff"][1])
    """Hidden width of the feed-forward network, elements per token."""
    n_layers: int = Field(ge=1, le=_BOUNDS["n_layers"][1])
    """Number of decoder layers."""
    vocab: int = Field(ge=1, le=_BOUNDS["vocab"][1])
    """Vocabulary size: rows of the token embedding and columns of the LM head."""
    ffn: Literal["gelu", "relu", "swiglu"]
    """FFN type: ``gelu``/``relu`` use 2 matrices (up, down); ``swiglu`` 3 (gate, up, down)."""
    norm: Literal["layernorm", "rmsnorm"]
    """Normalization: ``layernorm`` has gain and bias vectors (2·d_model), ``rmsnorm`` a gain."""
    tied_embeddings: bool
    """The LM head reuses the token-embedding matrix (its parameters are counted once)."""
    positional: Literal["learned", "rope"]
    """Position encoding: a learned table added to the embedding, or rotary (no weights)."""
    biases: bool
    """Linear layers (Q, K, V, O, FFN matrices; not the LM head) carry bias vectors."""
    max_context: int = Field(ge=1, le=_BOUNDS["max_context"][1])
    """Longest sequence the model supports, tokens."""
    position_embeddings: int | None = Field(None, ge=1, le=_BOUNDS["position_embeddings"][1])
    """Rows of the learned position table (default ``max_context``; only with ``learned``)."""

    @field_validator("n_kv_heads")
    @classmethod
    def _kv_divides_heads(cls, value: int, info: ValidationInfo) -> int:
        heads = info.data.get("n_heads")
        if heads is not None and (value > heads or heads % value):
            raise ValueError(f"a divisor of n_heads ({heads})")
        return value

    @field_validator("head_dim")
    @classmethod
    def _heads_fill_d_model(cls, value: int, info: ValidationInfo) -> int:
        heads, d_model = info.data.get("n_heads"), info.data.get("d_model")
        decoupled = info.data.get("decoupled_head_dim", False)
        if heads is not None and d_model is not None and not decoupled and heads * value != d_model:
            raise ValueError(
                f"d_model / n_heads = {d_model}/{heads} (or set decoupled_head_dim: true)"
            )
        return value

    @field_validator("position_embeddings")
    @classmethod
    def _position_rows(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            return value
        if info.data.get("positional") != "learned":
            raise ValueError("only allowed with positional: learned")
        context = info.data.get("max_context")
        if context is not None and value < context:
            raise ValueError(f"at least max_context ({context})")
        return value

    @property
    def position_rows(self) -> int:
        """Rows of the learned position table (0 for rotary embeddings)."""
        if self.positional != "learned":
            return 0
        return self.position_embeddings or self.max_context

    @property
    def q_dim(self) -> int:
        """Output width of the Q projection, ``n_heads * head_dim`` elements."""
        return self.n_heads * self.head_dim

    @property
    def kv_dim(self) -> int:
        """Output width of each of the K and V projections, ``n_kv_heads * head_dim``."""
        return self.n_kv_heads * self.head_dim

    @property
    def label(self) -> str:
        """``title`` when given, else ``name``."""
        return self.title or self.name


_FIELD_ALLOWED: dict[str, str] = {
    **{k: f"an integer {lo}..{hi}" for k, (lo, hi) in _BOUNDS.items()},
    "name": f"set by the entry's key; do not write it ({MODEL_NAME_PATTERN})",
    "title": "a string",
    "source": "a string",
    "decoupled_head_dim": "true or false",
    "ffn": "one of gelu, relu, swiglu",
    "norm": "one of layernorm, rmsnorm",
    "tied_embeddings": "true or false",
    "positional": "one of learned, rope",
    "biases": "true or false",
}


def _allowed_for(field: str, error: ErrorDetails) -> str:
    if error["type"] == "value_error":  # our cross-field checks say what is allowed
        return str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return "unknown key; allowed keys: " + ", ".join(
            k for k in ModelConfig.model_fields if k != "name"
        )
    text = _FIELD_ALLOWED.get(field, str(error["msg"]))
    return f"required key missing ({text})" if error["type"] == "missing" else text


def _spec_error(source: str, name: str, entry: Any, entry_line: int | None,
                exc: ValidationError) -> SpecError:
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"]]
    field = loc[0] if loc else "<entry>"
    value = "<missing>" if error["type"] == "missing" else error.get("input")
    # a missing key has no line of its own: point at the entry's name
    lines = entry.lines if isinstance(entry, LineDict) else {}
    line = lines.get(field, entry_line)
    key = ".".join(["models", name, *loc]) if loc else f"models.{name}"
    return SpecError(source, key, value, _allowed_for(field, error), line)


def _line(data: Any, key: Any) -> int | None:
    return data.line_of(key) if isinstance(data, LineDict) else None


def _parse(data: Any, source: str) -> tuple[dict[str, ModelConfig], str | None]:
    if not isinstance(data, dict):
        raise SpecError(source, "<document>", data, "a mapping with a 'models' key", None)
    unknown = [k for k in data if k not in ("models", "default")]
    if unknown:
        raise SpecError(source, str(unknown[0]), unknown[0], "unknown key; allowed keys: "
                        "models, default", _line(data, unknown[0]))
    models = data.get("models")
    if not isinstance(models, dict) or not models:
        raise SpecError(source, "models", "<missing>" if models is None else models,
                        "a non-empty mapping of model name -> model entry", _line(data, "models"))
    configs: dict[str, ModelConfig] = {}
    for name, entry in models.items():
        line = _line(models, name)
        if not isinstance(name, str) or not re.fullmatch(MODEL_NAME_PATTERN, name):
            raise SpecError(source, f"models.{name}", name,
                            f"a model name matching {MODEL_NAME_PATTERN}", line)
        if name in RESERVED_NAMES:
            raise SpecError(source, f"models.{name}", name,
                            "reserved for the CLI; choose another model name", line)
        if not isinstance(entry, dict):
            raise SpecError(source, f"models.{name}", entry, "a mapping of model fields", line)
        if "name" in entry:
            raise SpecError(source, f"models.{name}.name", entry["name"],
                            "unknown key (the name is the entry's key); use title for display",
                            _line(entry, "name"))
        try:
            configs[name] = ModelConfig.model_validate({**entry, "name": name})
        except ValidationError as exc:
            raise _spec_error(source, name, entry, line, exc) from None
    default = data.get("default")
    if default is not None and (not isinstance(default, str) or default not in configs):
        raise SpecError(source, "default", default,
                        "one of the model names: " + ", ".join(configs), _line(data, "default"))
    return configs, default


def _load(path: str | os.PathLike[str] | None) -> tuple[dict[str, ModelConfig], str | None]:
    if path is None:
        text = bundled("grcim.workloads", "models.yaml").read_text(encoding="utf-8")
        return _parse(load_yaml_text(text, BUNDLED_SOURCE), BUNDLED_SOURCE)
    return _parse(load_yaml_file(path), str(path))


def load_model_configs(path: str | os.PathLike[str] | None = None) -> dict[str, ModelConfig]:
    """Load and validate a models YAML file.

    Parameters
    ----------
    path : path-like or None
        A models file in the grammar of the bundled ``models.yaml``; ``None`` loads the
        bundled file.

    Returns
    -------
    dict[str, ModelConfig]
        Model name -> validated configuration, in file order.

    Raises
    ------
    grcim.errors.SpecError
        On the first problem (unreadable file, bad YAML, unknown key, bad value), naming
        file, line, key path, value and what is allowed.
    """
    return _load(path)[0]


def model_configs_from_text(text: str, source: str) -> dict[str, ModelConfig]:
    """:func:`load_model_configs` of a models file's ``text`` (errors name ``source``):
    for a worker that received the text rather than a path it may not see."""
    return _parse(load_yaml_text(text, source), source)[0]


def default_model_name(path: str | os.PathLike[str] | None = None) -> str:
    """Model named by the file's ``default`` key, else its first model."""
    configs, default = _load(path)
    return default if default is not None else next(iter(configs))


def is_workload_file(data: Any) -> bool:
    """Whether parsed YAML ``data`` looks like a models (workload) file.

    The test is the top-level ``models`` key holding a mapping, so that a file with a typo
    elsewhere is still recognized and then reported by :func:`validate_workload_file`.
    """
    return isinstance(data, dict) and isinstance(data.get("models"), dict)


def validate_workload_file(path: str | os.PathLike[str]) -> dict[str, ModelConfig]:
    """Validate a models file for ``grcim validate``; returns its configs or raises SpecError."""
    return load_model_configs(path)
