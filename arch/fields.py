"""Reading single YAML values by declared kind, with file/line/key-path errors.

Kinds (the same rules AccelForge applies, minus ``eval``):

- *number*: a YAML number, or an **unquoted** string holding a restricted expression
  (:mod:`grcim.expressions`) over the numeric ``arch.variables`` defined so far;
- *text*: a **quoted** string (quoted, so AccelForge keeps it as text);
- *name*: any string (node names and ``component_class``, which AccelForge never evaluates);
- *set*: an AccelForge tensor-set expression (``input | output``), checked, not evaluated;
- *attribute*: a number, boolean, null, quoted text, or an unquoted expression.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from grcim.arch.quoting import Path
from grcim.errors import SpecError, did_you_mean
from grcim.expressions import Number, check_set_expression, evaluate
from grcim.resources import file_path, names_a_file
from grcim.yamlio import LineDict

__all__ = ["Reader", "MAX_VALUES"]

# Bound on values read from one file. YAML aliases can make a small file describe a huge
# tree (each alias reuses a subtree); counting every value read keeps the walk linear.
MAX_VALUES = 20_000

Attribute = Number | str | None


def dotted(path: Path) -> str:
    """``("arch", "nodes", 3, "size")`` -> ``"arch.nodes.3.size"``."""
    return ".".join(str(p) for p in path)


@dataclass
class Reader:
    """State shared while reading one arch file.

    Attributes
    ----------
    file : str
        File name shown in errors.
    quoted : frozenset of Path
        Key paths whose scalar value was written in quotes.
    symbols : dict
        Numeric variables defined so far (expression names).
    texts : dict
        Text variables defined so far; an unquoted attribute equal to one of these names
        takes its value (AccelForge looks bare names up the same way).
    """

    file: str
    quoted: frozenset[Path] = frozenset()
    symbols: dict[str, Number] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    _count: int = 0

    # ----------------------------------------------------------------- errors and lines
    def error(self, path: Path, value: Any, allowed: str, line: int | None) -> SpecError:
        """A :class:`SpecError` for ``path``."""
        return SpecError(self.file, dotted(path), value, allowed, line)

    @staticmethod
    def line(container: Any, key: Any = None) -> int | None:
        """Line of ``key`` in a loaded mapping (or of the mapping itself)."""
        if isinstance(container, LineDict):
            return container.line_of(key) if key is not None else container.line
        return None

    def tick(self, path: Path, line: int | None) -> None:
        """Count one value read; refuse files that expand past :data:`MAX_VALUES`."""
        self._count += 1
        if self._count > MAX_VALUES:
            raise self.error(path, self._count, f"at most {MAX_VALUES} values per arch file "
                             "(YAML aliases expand)", line)

    def technology(self, value: Any) -> Any:
        """A ``technology`` value (the variable or a component attribute) as the models must
        read it: a technology file named by a relative path is the file next to the arch
        file (docs/arch.md), so the path is made absolute here, whatever folder grcim runs
        in; a bundled node name, a size, or text not read from a file stays as it is."""
        if not isinstance(value, str):
            return value
        name = value.strip().strip("\"'").strip()  # as the models normalize it (technode)
        if not (name and names_a_file(name)) or not os.path.isfile(self.file):
            return value
        return str(file_path(name, os.path.dirname(os.path.abspath(self.file))))

    # ----------------------------------------------------------------- containers
    def mapping(self, value: Any, path: Path, line: int | None, what: str) -> Mapping[Any, Any]:
        """``value`` as a mapping with string keys, else an error naming ``what``."""
        if not isinstance(value, Mapping):
            raise self.error(path, value, f"a mapping of {what}", line)
        for key in value:
            if not isinstance(key, str):
                raise self.error((*path, str(key)), key, "keys must be text",
                                 self.line(value, key) or line)
        return value

    def sequence(self, value: Any, path: Path, line: int | None, what: str) -> list[Any]:
        """``value`` as a list, else an error naming ``what``."""
        if not isinstance(value, list):
            raise self.error(path, value, f"a list of {what}", line)
        return value

    def check_keys(self, value: Mapping[str, Any], path: Path, allowed: Iterable[str],
                   required: Iterable[str] = ()) -> None:
        """Refuse unknown keys (suggesting the closest) and report missing ones."""
        allowed = list(allowed)
        for key in value:
            if key not in allowed:
                hint = did_you_mean(key, allowed)
                raise self.error((*path, key), key, f"unknown key; {hint}allowed keys: "
                                 f"{', '.join(allowed)}", self.line(value, key))
        for key in required:
            if key not in value:
                raise self.error((*path, key), None, "missing required key",
                                 self.line(value))

    # ----------------------------------------------------------------- scalars
    def no_binary(self, value: Any, path: Path, line: int | None) -> None:
        """Refuse a ``!!binary`` value (bytes): neither text nor a number. (A text field
        passed it on, and validation turned the bytes into text, so ``description: !!binary
        ...`` loaded and ``input_format: !!binary ...`` failed later as an unknown name.)"""
        if isinstance(value, bytes | bytearray):
            raise self.error(path, value, "text in quotes or a number, not a !!binary value "
                             "(arch files hold no binary data)", line)

    def number(self, value: Any, path: Path, line: int | None) -> Number:
        """A number or unquoted expression, evaluated against :attr:`symbols`."""
        self.no_binary(value, path, line)
        self.tick(path, line)
        if isinstance(value, bool):
            raise self.error(path, value, "a number, not true/false", line)
        if isinstance(value, int | float):
            if value != value:  # NaN: compares unequal to itself, passes no range check
                raise self.error(path, value, "a number, not NaN", line)
            return value
        if isinstance(value, str):
            if path in self.quoted:
                raise self.error(path, value, "a number or an unquoted expression (quoted "
                                 "text stays text in AccelForge)", line)
            result = evaluate(value, self.symbols, file=self.file, key=dotted(path), line=line)
            if isinstance(result, bool):
                raise self.error(path, value, "a number, not a comparison", line)
            return result
        raise self.error(path, value, "a number or an arithmetic expression", line)

    def text(self, value: Any, path: Path, line: int | None) -> str | None:
        """Quoted text (or null); other values go on to type validation unchanged (a
        ``!!binary`` value is refused here: validation would turn it into text)."""
        self.no_binary(value, path, line)
        self.tick(path, line)
        if isinstance(value, str) and path not in self.quoted:
            raise self.error(path, value, f'quoted text, e.g. "{value}" (AccelForge '
                             "evaluates unquoted strings as expressions)", line)
        return value

    def name(self, value: Any, path: Path, line: int | None) -> str:
        """Non-empty text without spaces (node and class names)."""
        self.no_binary(value, path, line)
        self.tick(path, line)
        if not isinstance(value, str) or not value or not value.isidentifier():
            raise self.error(path, value, "a name: letters, digits and _ , not starting "
                             "with a digit", line)
        return value

    def boolean(self, value: Any, path: Path, line: int | None) -> bool:
        """``true`` or ``false``."""
        self.no_binary(value, path, line)
        self.tick(path, line)
        if not isinstance(value, bool):
            raise self.error(path, value, "true or false", line)
        return value

    def tensor_set(self, value: Any, path: Path, line: int | None) -> str:
        """An AccelForge tensor-set expression (checked, kept as text)."""
        self.no_binary(value, path, line)
        self.tick(path, line)
        if not isinstance(value, str):
            raise self.error(path, value, "a tensor-set expression such as 'input | output'",
                             line)
        check_set_expression(value, file=self.file, key=dotted(path), line=line)
        return value

    def attribute(self, value: Any, path: Path, line: int | None) -> Attribute:
        """A component-model attribute: number, bool, null, quoted text or expression."""
        self.no_binary(value, path, line)
        if isinstance(value, float):
            return self.number(value, path, line)
        if value is None or isinstance(value, bool | int):
            self.tick(path, line)
            return value
        if isinstance(value, str):
            if path in self.quoted:
                self.tick(path, line)
                return value
            if value.strip() in self.texts:
                self.tick(path, line)
                return self.texts[value.strip()]
            return self.number(value, path, line)
        raise self.error(path, value, "a number, true/false, null, quoted text or an "
                         "expression (no lists or mappings)", line)

    def attributes(self, value: Any, path: Path, line: int | None) -> dict[str, Attribute]:
        """A mapping of component-model attributes (a ``technology`` file path made
        absolute, :meth:`technology`)."""
        attrs = self.mapping(value, path, line, "attribute names to values")
        out = {k: self.attribute(v, (*path, k), self.line(attrs, k) or line)
               for k, v in attrs.items()}
        if "technology" in out:
            out["technology"] = self.technology(out["technology"])
        return out
