"""Safe YAML loading that remembers the line of every mapping key, and capped file reads.

YAML is parsed with PyYAML's safe loaders (no Python object tags): the C loader
(``yaml.CSafeLoader``, libyaml) when PyYAML was built with it, about ten times faster, else
the pure-Python ``SafeLoader``. Both give the same :class:`grcim.errors.SpecError` for a
malformed file: the file, the 1-based line of the problem, the parser's own description,
and "not valid YAML". Mappings come back as :class:`LineDict` (a ``dict`` that also
records ``line`` of the mapping, ``lines[key]`` of each key, and ``tag`` for a custom local
tag such as AccelForge's ``!Memory``).

Input policy (:func:`read_text_file`, used for every file grcim reads):

- only regular files, unless the caller explicitly allows FIFOs and devices; the type is
  read from the opened descriptor (opened non-blocking, so a FIFO without a writer cannot
  hang the open);
- at most :data:`MAX_BYTES`, counted while streaming, so ``/dev/zero`` or a growing file
  fails fast instead of filling memory;
- UTF-8 text; strings may not hold lone surrogates (a ``"\\udc80"`` escape), which no
  output encoding can write.

Spellings YAML 1.1 and YAML 1.2 read differently are refused (:data:`YAML11_ONLY`): PyYAML
follows YAML 1.1, AccelForge's ruamel.yaml YAML 1.2, and both read grcim's arch files, so
``010`` (1.1: octal 8, 1.2: 10), ``4:16`` (1.1: base 60, 256; 1.2: text) or ``yes`` (1.1:
true; 1.2: text) would price two different chips. The error names the key path and says
what to write instead; ``0x1F``, ``0b101``, ``1_000`` and ``0`` read the same in both and
stay numbers.

Bounds (why): a YAML alias can make a small file expand exponentially once traversed
("billion laughs"), and deep nesting can exhaust the recursion limit of validators.

Parsed documents are memoized on their text (the last :data:`CACHE_SIZE`), because one
command reads the same models file several times (the list of models, then the default
name); the returned data is shared, so callers must not modify it.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from grcim.errors import CMDLINE, GrcimError, SpecError

__all__ = [
    "LineDict", "load_yaml_file", "load_yaml_text", "read_text_file", "MAX_BYTES", "MAX_DEPTH",
    "MAX_ALIASES", "LIBYAML", "CACHE_SIZE", "KeyPath", "scalar_nodes", "every_scalar_path",
    "YAML11_ONLY", "dotted",
]

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 200
CACHE_SIZE = 4
LIBYAML = bool(getattr(yaml, "__with_libyaml__", False)) and hasattr(yaml, "CSafeLoader")
"""Whether the C loader (libyaml) is used."""

_SURROGATE = re.compile("[\ud800-\udfff]")
_CHUNK = 1 << 20


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


KeyPath = tuple[str | int, ...]
"""Where a value sits in a document: mapping keys as text, list indices as ints."""


_MERGE_TAG = "tag:yaml.org,2002:merge"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"

YAML11_ONLY = "tag:grcim.invalid,2026:yaml-1.1-only"
"""Tag the loaders give a plain scalar that YAML 1.1 and 1.2 read differently (refused)."""

_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+")
"""An integer with a leading zero: YAML 1.1 octal (``010`` = 8, ``08`` text), YAML 1.2
decimal (10, 8)."""
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
"""``a:b`` (``4:16`` = 256, ``1:30.5`` = 90.5): YAML 1.1 base 60, YAML 1.2 text."""
_YES_NO = re.compile(r"yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF")
"""YAML 1.1 booleans that YAML 1.2 reads as text."""
_YAML11_RESOLVED = re.compile(r"^(?:[-+]?0[0-9_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"
                              r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
                              r"|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$")
"""The plain scalars the resolver tags :data:`YAML11_ONLY`: PyYAML's own 1.1 patterns for
octal and base-60 numbers (plus ``08``, ``09``: text in 1.1, 8 and 9 in 1.2) and for the
booleans 1.2 reads as text."""


def yaml11_problem(value: str, tag: str) -> str | None:
    """Why a scalar's text reads differently in YAML 1.1 and 1.2, and what to write, or None.

    ``tag`` is the node's resolved tag: an implicit one (:data:`YAML11_ONLY`) or an explicit
    ``!!int`` / ``!!float`` (``!!int 010`` is 8 in PyYAML, 10 in ruamel.yaml).
    """
    text = value.strip()
    if tag not in (YAML11_ONLY, _INT_TAG, _FLOAT_TAG):
        return None
    sign = "-" if text.startswith("-") else ""
    digits = text.lstrip("+-").replace("_", "")
    both = "; YAML 1.1 (grcim's loader) and YAML 1.2 (AccelForge) read it differently"
    if _LEADING_ZERO.fullmatch(text):
        if all(c in "01234567" for c in digits):
            octal = int(digits, 8)
            return (f"a decimal number without leading zeros{both} (1.1: octal, "
                    f"{sign}{octal}; 1.2: {sign}{int(digits)}): write {sign}{int(digits)}, "
                    f"or {sign}{octal} if octal was meant")
        return (f"a decimal number without leading zeros{both} (1.1: text; 1.2: "
                f"{sign}{int(digits)}): write {sign}{int(digits)}")
    if _SEXAGESIMAL.fullmatch(text):
        total: float = 0
        for part in digits.split(":"):
            total = total * 60 + (float(part) if "." in part else int(part))
        return (f"a plain decimal number{both} (1.1: base 60, {sign}{total}; 1.2: the text "
                f"'{text}'): write {sign}{total} if that number was meant, or quote the text")
    if tag == YAML11_ONLY and _YES_NO.fullmatch(text):
        return (f"true or false, or quoted text (\"{text}\"){both} (1.1: a boolean; 1.2: "
                "text)")
    return None


def _mapping(loader: Any, node: yaml.MappingNode, tag: str | None = None) -> LineDict:
    loader.flatten_mapping(node)
    # flatten_mapping puts the merged (<<) pairs first; a key written in this mapping may
    # override one of them (YAML's merge rule), but a key written here twice is a mistake
    explicit = _explicit_keys(loader, node)
    written: set[Any] = set()
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
        if id(key_node) in explicit:
            if key in written:
                raise SpecError(loader.source, str(key), key, "duplicate key", line)
            written.add(key)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = line
    return out


def _flatten_mapping(loader: Any, node: yaml.MappingNode) -> None:
    """``SafeConstructor.flatten_mapping``, first noting the keys written in ``node`` itself.

    ``flatten_mapping`` inlines ``<<`` merges in place, and a node merged into another one
    is flattened then, before it is constructed itself (``c: {<<: &b {<<: *a, x: 2}}`` and
    later ``d: *b``): noting them at the first flatten keeps a node's own keys apart from
    the merged ones whatever the order.
    """
    seen: dict[int, frozenset[int]] = loader.__dict__.setdefault("_explicit", {})
    if id(node) not in seen:
        seen[id(node)] = frozenset(id(k) for k, _ in node.value if k.tag != _MERGE_TAG)
    yaml.constructor.SafeConstructor.flatten_mapping(loader, node)


def _explicit_keys(loader: Any, node: yaml.MappingNode) -> frozenset[int]:
    """``id`` of the key nodes written in ``node`` itself (not merged into it)."""
    explicit: frozenset[int] = loader.__dict__["_explicit"][id(node)]
    return explicit


def _string(loader: Any, node: yaml.ScalarNode) -> str:
    value = loader.construct_scalar(node)
    if _SURROGATE.search(value):
        raise SpecError(loader.source, "<string>", value, "text without lone surrogates "
                        "(\\ud800-\\udfff escapes are not characters)", node.start_mark.line + 1)
    return value


def _tagged(loader: Any, suffix: str,
            node: yaml.MappingNode | yaml.SequenceNode | yaml.ScalarNode) -> Any:
    tag = suffix.lstrip("!")
    if isinstance(node, yaml.MappingNode):
        return _mapping(loader, node, tag)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    value = _string(loader, node)
    out = LineDict({"value": value})
    out.line, out.tag = node.start_mark.line + 1, tag
    return out


class _PyLoader(yaml.SafeLoader):
    source = "<string>"


_LOADERS: list[type[yaml.SafeLoader] | type[yaml.CSafeLoader]] = [_PyLoader]  # not evaluated
if LIBYAML:
    class _CLoader(yaml.CSafeLoader):
        source = "<string>"

    _LOADERS.insert(0, _CLoader)


def _yaml11_only(loader: Any, node: yaml.ScalarNode) -> Any:
    # reached only for a scalar _check_scalars did not see (it reports the key path first)
    raise SpecError(loader.source, "<value>", node.value,
                    yaml11_problem(node.value, YAML11_ONLY) or "a YAML 1.2 scalar",
                    node.start_mark.line + 1)


def _with_yaml11_resolver(cls: Any) -> None:
    """Tag the plain scalars of :data:`_YAML11_RESOLVED` :data:`YAML11_ONLY`, ahead of
    PyYAML's int, float and bool resolvers (a resolver is picked by the first character)."""
    table = {first: list(entries) for first, entries in cls.yaml_implicit_resolvers.items()}
    for first in "0123456789+-yYnNoO":
        table[first] = [(YAML11_ONLY, _YAML11_RESOLVED), *table.get(first, [])]
    cls.yaml_implicit_resolvers = table


for _cls in _LOADERS:
    _cls.flatten_mapping = _flatten_mapping  # type: ignore[method-assign,assignment]
    _cls.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    _cls.add_constructor("tag:yaml.org,2002:str", _string)
    _cls.add_constructor(YAML11_ONLY, _yaml11_only)
    _cls.add_multi_constructor("!", _tagged)
    _with_yaml11_resolver(_cls)


def _loader_class(pure: bool) -> type:
    return _PyLoader if pure else _LOADERS[0]


def _line_of_position(text: str, position: int | None) -> int | None:
    return None if position is None else text.count("\n", 0, position) + 1


def _yaml_error(source: str, exc: yaml.YAMLError, text: str) -> SpecError:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    if isinstance(exc, yaml.reader.ReaderError):  # a bad character: position, no mark
        line = _line_of_position(text, exc.position)
        problem = f"character {exc.character!r} is not allowed"
    else:
        problem = getattr(exc, "problem", None) or str(exc)
    return SpecError(source, "<yaml>", problem, "not valid YAML", line)


def _mark_line(mark: Any) -> int | None:
    """1-based line of a mark (the parser's events carry one, typed optional)."""
    return None if mark is None else mark.line + 1


def _scanner_line(loader: Any) -> int | None:
    """Line the pure-Python scanner stopped at (it raises some errors without a mark)."""
    line = getattr(loader, "line", None)
    return line + 1 if isinstance(line, int) else None


def _check_limit(source: str, item: str, count: int, limit: int, what: str, event: Any
                 ) -> None:
    """Refuse a document whose ``count`` of aliases or nesting levels passes ``limit``, at the
    line of the event that passed it (one rule for both bounds)."""
    if count > limit:
        raise SpecError(source, item, count, f"at most {limit} {what}",
                        _mark_line(event.start_mark))


def _check_shape(source: str, text: str, loader_class: type) -> None:
    aliases = 0
    depth = 0
    loader = None
    try:
        loader = loader_class(text)  # the pure-Python reader checks characters right here
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                _check_limit(source, "<alias>", aliases, MAX_ALIASES, "YAML aliases", event)
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                _check_limit(source, "<nesting>", depth, MAX_DEPTH, "levels of nesting", event)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        raise _yaml_error(source, exc, text) from None
    except GrcimError:
        raise
    except (ValueError, OverflowError) as exc:  # pure PyYAML lets a \U escape > 0x10FFFF out
        raise SpecError(source, "<yaml>", str(exc), "not valid YAML",
                        _scanner_line(loader)) from None
    finally:
        if loader is not None:
            loader.dispose()


def dotted(path: KeyPath) -> str:
    """``("arch", "nodes", 3, "size")`` -> ``"arch.nodes.3.size"``."""
    return ".".join(str(p) for p in path)


def _check_scalars(source: str, root: yaml.Node | None) -> None:
    """Refuse the scalars YAML 1.1 and 1.2 read differently (:func:`yaml11_problem`),
    keys included, naming the first key path that reaches each."""
    for path, node in _walk_once(root, keys=True):
        problem = yaml11_problem(node.value, node.tag)
        if problem is not None:
            raise SpecError(source, dotted(path) or "<value>", node.value, problem,
                            node.start_mark.line + 1)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _parse(text: str, source: str, pure: bool) -> Any:
    loader_class = _loader_class(pure)
    _check_shape(source, text, loader_class)
    loader = loader_class(text)
    loader.source = source
    try:
        root = loader.get_single_node()
        _check_scalars(source, root)
        return None if root is None else loader.construct_document(root)
    except yaml.YAMLError as exc:
        raise _yaml_error(source, exc, text) from None
    except GrcimError:
        raise
    except (ValueError, OverflowError) as exc:
        raise SpecError(source, "<yaml>", str(exc), "not valid YAML",
                        _scanner_line(loader)) from None
    except RecursionError:
        raise SpecError(source, "<nesting>", "too deep", f"at most {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def load_yaml_text(text: str, source: str = "<string>", *, pure: bool = False) -> Any:
    """Parse one YAML document from ``text``; ``source`` names it in errors.

    ``pure`` forces the pure-Python loader (the C one is used when available). The result
    may be shared with other callers that parsed the same text: do not modify it.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise SpecError(source, "<file>", f"{size} bytes", f"at most {MAX_BYTES} bytes")
    bad = _SURROGATE.search(text)
    if bad:
        raise SpecError(source, "<text>", bad.group(), "UTF-8 text (a lone surrogate is "
                        "not a character)", _line_of_position(text, bad.start()))
    return _parse(text, source, pure)


_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def file_kind(mode: int) -> str:
    """``regular file``, ``directory`` or the special kind of an ``st_mode``."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a directory"
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def read_bytes_capped(path: str | os.PathLike[str], limit: int = MAX_BYTES,
                      allow_special: bool = False) -> bytes:
    """Read at most ``limit`` bytes of a file, streaming; every failure is a ``SpecError``.

    Only regular files are read unless ``allow_special`` (then FIFOs and character devices
    are read too, still capped). A file longer than ``limit`` is refused as soon as the
    cap is passed.
    """
    name = os.fspath(path)
    shown = str(name)
    if name in ("", b""):
        raise SpecError(CMDLINE, "<file>", "", "a non-empty file path")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(name, flags)
    except FileNotFoundError:
        raise SpecError(shown, "<file>", shown, "file does not exist") from None
    except IsADirectoryError:
        raise SpecError(shown, "<file>", shown, "is a directory, expected a YAML file") from None
    except OSError as exc:
        why = "no reader-writer pair" if exc.errno == errno.ENXIO else exc.strerror
        raise SpecError(shown, "<file>", shown, f"cannot be read ({why})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SpecError(shown, "<file>", shown, "is a directory, expected a YAML file")
        regular = stat.S_ISREG(info.st_mode)
        if not regular and not (allow_special and (stat.S_ISFIFO(info.st_mode)
                                                   or stat.S_ISCHR(info.st_mode))):
            raise SpecError(shown, "<file>", shown, f"a regular file (this is "
                            f"{file_kind(info.st_mode)}; grcim reads no devices, FIFOs or "
                            "sockets)")
        if regular and info.st_size > limit:
            raise SpecError(shown, "<file>", info.st_size, f"at most {limit} bytes")
        if not regular:  # reads may block from here on, as the caller allowed
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise SpecError(shown, "<file>", f"more than {limit} bytes",
                                f"at most {limit} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise SpecError(shown, "<file>", shown, f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)


def read_text_file(path: str | os.PathLike[str], allow_special: bool = False) -> str:
    """Read a UTF-8 text file of at most ``MAX_BYTES`` (the module's input policy)."""
    data = read_bytes_capped(path, MAX_BYTES, allow_special)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SpecError(str(os.fspath(path)), "<file>", str(os.fspath(path)),
                        "must be UTF-8 text", line) from None


def load_yaml_file(path: str | os.PathLike[str], allow_special: bool = False) -> Any:
    """Read and parse a YAML file; unreadable files raise ``SpecError`` too."""
    return load_yaml_text(read_text_file(path, allow_special), str(Path(path)))


def _walk_once(root: yaml.Node | None, merge_keys: bool = True, keys: bool = False
               ) -> Iterator[tuple[KeyPath, yaml.ScalarNode]]:
    """Scalars of a node graph, each once, in document order (so an anchor is reached at
    its own place before any alias of it); ``keys``: scalar mapping keys too."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, KeyPath]] = [(root, ())] if root is not None else []
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            yield path, node
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed([(child, (*path, i)) for i, child in enumerate(node.value)]))
        elif isinstance(node, yaml.MappingNode):
            pending: list[tuple[yaml.Node, KeyPath]] = []
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                if keys:
                    pending.append((key, (*path, key.value)))
                if merge_keys or key.value != "<<":
                    pending.append((value, (*path, key.value)))
            stack.extend(reversed(pending))


def scalar_nodes(root: yaml.Node | None, merge_keys: bool = True
                 ) -> Iterator[tuple[KeyPath, yaml.ScalarNode]]:
    """Every scalar value of a composed document (``yaml.compose``) with its key path.

    The node graph keeps what constructed data forgets (quoting style, line), so readers of
    how a value was written (``grcim.plugins.accelergy.check``) walk it here. Each node is
    visited once, at the first path that reaches it in document order (an anchor's own
    place): content reached again through an alias is skipped; ``merge_keys=False`` also
    skips values merged with ``<<``. :func:`every_scalar_path` gives every path instead.
    """
    return _walk_once(root, merge_keys)


def _merged_pairs(node: yaml.MappingNode, memo: dict[int, list[tuple[str, yaml.Node]]],
                  active: set[int]) -> list[tuple[str, yaml.Node]]:
    """The (key text, value node) pairs of a mapping as loading sees them: ``<<`` merges
    inlined, a key written in the mapping overriding a merged one, among merged mappings
    the earlier one winning (PyYAML's ``flatten_mapping``, without changing the node)."""
    if id(node) in memo:
        return memo[id(node)]
    if id(node) in active:  # a merge of itself: nothing more to add
        return []
    active.add(id(node))
    merged: list[tuple[str, yaml.Node]] = []
    own: list[tuple[str, yaml.Node]] = []
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        if key.tag != _MERGE_TAG:
            own.append((key.value, value))
            continue
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        for source in reversed(sources):  # later entries first: earlier ones override them
            if isinstance(source, yaml.MappingNode):
                merged.extend(_merged_pairs(source, memo, active))
    active.discard(id(node))
    table = dict(merged)
    table.update(own)  # explicit keys override merged ones
    memo[id(node)] = list(table.items())
    return memo[id(node)]


def every_scalar_path(root: yaml.Node | None, source: str, limit: int
                      ) -> Iterator[tuple[KeyPath, yaml.ScalarNode]]:
    """Every key path of every scalar value, as the loaded data has it: a scalar (or a
    collection holding it) reached through an alias, or merged with ``<<``, is yielded at
    each path that reaches it, so how it was written (its quoting) holds at all of them.

    Raises
    ------
    grcim.errors.SpecError
        When the walk passes ``limit`` nodes (aliases can describe exponentially many
        paths in a small file), naming the path it had reached.
    """
    memo: dict[int, list[tuple[str, yaml.Node]]] = {}
    stack: list[tuple[yaml.Node, KeyPath]] = [(root, ())] if root is not None else []
    count = 0
    while stack:
        node, path = stack.pop()
        count += 1
        if count > limit:
            raise SpecError(source, dotted(path) or "<document>", f"more than {limit} values",
                            f"at most {limit} YAML nodes, aliases expanded (each alias "
                            "repeats its anchor's content)", node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            yield path, node
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*path, i)) for i, child in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend((value, (*path, key))
                         for key, value in _merged_pairs(node, memo, set()))
