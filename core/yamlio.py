"""Safe YAML loading that remembers the line of every mapping key.

YAML is parsed with PyYAML's ``SafeLoader`` (no Python object tags). Mappings come back as
:class:`LineDict` (a ``dict`` that also records ``line`` of the mapping, ``lines[key]`` of
each key, and ``tag`` for a custom local tag such as AccelForge's ``!Memory``). Every
problem raises :class:`grcim.errors.SpecError` naming the file and line.

Bounds (why): a YAML alias can make a small file expand exponentially once traversed
("billion laughs"), and deep nesting can exhaust the recursion limit of validators.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from grcim.errors import SpecError

__all__ = [
    "LineDict", "load_yaml_file", "load_yaml_text", "read_text_file", "MAX_BYTES", "MAX_DEPTH",
    "MAX_ALIASES",
]

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 200


class LineDict(dict[Any, Any]):
    """A mapping loaded from YAML, with the source lines of its keys."""

    line: int | None = None
    tag: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int | None:
        """1-based line of ``key`` (or of the mapping itself when the key is absent)."""
        return self.lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    source = "<string>"


def _mapping(loader: _Loader, node: yaml.MappingNode, tag: str | None = None) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.tag = tag
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise SpecError(
                loader.source, "<key>", key, "mapping keys must be scalars", line
            ) from None
        if key in out:
            raise SpecError(loader.source, str(key), key, "duplicate key", line)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = line
    return out


def _tagged(loader: _Loader, suffix: str, node: yaml.Node) -> Any:
    tag = suffix.lstrip("!")
    if isinstance(node, yaml.MappingNode):
        return _mapping(loader, node, tag)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    value = loader.construct_scalar(node)
    out = LineDict({"value": value})
    out.line, out.tag = node.start_mark.line + 1, tag
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_multi_constructor("!", _tagged)


def _check_shape(source: str, text: str) -> None:
    aliases = 0
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    line = event.start_mark.line + 1
                    allowed = f"at most {MAX_ALIASES} YAML aliases"
                    raise SpecError(source, "<alias>", aliases, allowed, line)
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1
                    allowed = f"at most {MAX_DEPTH} levels of nesting"
                    raise SpecError(source, "<nesting>", depth, allowed, line)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        raise _yaml_error(source, exc) from None
    except (ValueError, OverflowError) as exc:  # PyYAML lets e.g. a \U escape past 0x10FFFF out
        raise SpecError(source, "<yaml>", str(exc), "not valid YAML") from None


def _yaml_error(source: str, exc: yaml.YAMLError) -> SpecError:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    return SpecError(source, "<yaml>", problem, "not valid YAML", line)


def load_yaml_text(text: str, source: str = "<string>") -> Any:
    """Parse one YAML document from ``text``; ``source`` names it in errors."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise SpecError(source, "<file>", f"{len(text)} characters", f"at most {MAX_BYTES} bytes")
    _check_shape(source, text)
    loader = _Loader(text)
    loader.source = source
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise _yaml_error(source, exc) from None
    except (ValueError, OverflowError) as exc:
        raise SpecError(source, "<yaml>", str(exc), "not valid YAML") from None
    except RecursionError:
        raise SpecError(source, "<nesting>", "too deep", f"at most {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def read_text_file(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 text file of at most ``MAX_BYTES``; every failure is a ``SpecError``."""
    p = Path(path)
    try:
        if p.is_file() and p.stat().st_size > MAX_BYTES:
            raise SpecError(str(p), "<file>", p.stat().st_size, f"at most {MAX_BYTES} bytes")
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(str(p), "<file>", str(p), "file does not exist") from None
    except IsADirectoryError:
        raise SpecError(str(p), "<file>", str(p), "is a directory, expected a YAML file") from None
    except UnicodeDecodeError:
        raise SpecError(str(p), "<file>", str(p), "must be UTF-8 text") from None
    except OSError as exc:
        raise SpecError(str(p), "<file>", str(p), f"cannot be read ({exc.strerror})") from None


def load_yaml_file(path: str | os.PathLike[str]) -> Any:
    """Read and parse a YAML file; unreadable files raise ``SpecError`` too."""
    return load_yaml_text(read_text_file(path), str(Path(path)))
