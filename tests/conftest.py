"""Rules for grcim's tests (read before writing one), and the few fixtures every folder shares.

1. A test must be able to fail. Before committing a test, break the code it covers (or the
   expected value) and watch it fail; a test that only calls code and asserts nothing, or
   asserts what the code printed, tests nothing.
2. No expected value is copied from the program's own output. Expected numbers come from an
   independent reference: a closed form derived by hand (and shown in a comment), a published
   table or datasheet value (cited), another library (ml_dtypes, scipy, hwcomponents-adc), or
   an exact computation written in the test itself in a different way from the code under
   test (numerical integration instead of Monte Carlo, Fraction instead of float, ...).
3. Tolerances are justified: by the reference's own precision, by a Monte Carlo standard
   error, or by an approximation whose size is stated. Never widen a tolerance to make a
   test pass; find out why it fails.
4. Randomness is explicit: every random draw takes a seed written in the test, so a failure
   reproduces exactly; a claim about a random quantity is checked on enough samples, or
   averaged over enough seeds, that the seed cannot decide it.
5. A skip says why (``pytest.skip("...")`` / ``importorskip(..., reason=...)``) and only
   covers an optional dependency that is absent; nothing is marked xfail to hide a bug
   (``xfail_strict`` is on). A known bug keeps its failing test until it is fixed.
6. Tests are fast (the whole suite stays well under ten minutes on two cores): expensive
   runs are shared through module-scoped fixtures with reduced but sufficient sample sizes,
   and why the reduction is safe is written next to it. Speed targets live in
   ``benchmarks/``, never in timed assertions.
7. Bad input is tested from the outside too: the CLI must exit non-zero with exactly one
   line on stderr, no traceback, and no partial output.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from grcim.physics.technology import Technology, load_technology

# Fuzz tests explore new inputs on every developer run; CI replays a fixed sequence so a
# submission's verdict does not depend on the draw (a failure found locally becomes a
# regression test, as tests/test_yamlio.py shows).
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


# pytest.approx's default absolute tolerance (1e-12) swallows any difference between SI
# energies and areas (1e-15 J, 1e-12 m²): a comparison of two 1e-13 J values would pass
# whatever the relative tolerance. Here ``abs`` defaults to 0, so ``rel`` is what is tested;
# a test comparing with zero or near-zero values says its ``abs`` explicitly.
_APPROX = pytest.approx


def _approx(expected, rel=None, abs=None, nan_ok=False):  # noqa: A002 - pytest's names
    if abs is None:  # (pytest ignores its default rel once abs is given: pass both)
        return _APPROX(expected, rel=1e-6 if rel is None else rel, abs=0.0, nan_ok=nan_ok)
    return _APPROX(expected, rel=rel, abs=abs, nan_ok=nan_ok)


pytest.approx = _approx

CHECKOUT = Path(__file__).resolve().parent.parent
# setuptools reuses ./build/lib between installs, so a module moved or deleted in the
# checkout would be installed again from there: the command removes it first
REINSTALL = "rm -rf build && .venv/bin/pip install --no-deps --force-reinstall ."


def _stale_modules() -> list[str]:
    """Source files of the checkout whose installed copy differs (or is missing).

    The tests import the installed grcim (hwcomponents only discovers plug-ins from a
    regular install, and no source folder is named ``grcim``), so after an edit an
    un-reinstalled tree would be tested silently with the old code.
    """
    pyproject = CHECKOUT / "pyproject.toml"
    if not pyproject.is_file():
        return []  # tests run outside a checkout (an sdist, another layout): nothing to compare
    dirs = tomllib.loads(pyproject.read_text("utf-8"))["tool"]["setuptools"]["package-dir"]
    stale = []
    folders = {CHECKOUT / f for f in dirs.values()}
    for package, folder in dirs.items():
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return [f"{package} (not installed)"]
        installed = Path(next(iter(spec.submodule_search_locations)))
        root = CHECKOUT / folder
        for src in sorted(root.rglob("*.py")):
            if any(p in folders and p != root for p in src.parents):
                continue  # another package's folder (hwcomponents_grcim inside plugins/)
            dst = installed / src.relative_to(root)
            if not dst.is_file() or hashlib.sha256(dst.read_bytes()).digest() != \
                    hashlib.sha256(src.read_bytes()).digest():
                stale.append(str(src.relative_to(CHECKOUT)))
        for dst in sorted(installed.rglob("*.py")):  # installed, gone from the checkout
            parts = dst.relative_to(installed).parts
            if any(".".join((package, *parts[:k])) in dirs for k in range(1, len(parts))):
                continue  # a subpackage installed from another folder
            if not (root / Path(*parts)).is_file():
                stale.append(f"{package}/{'/'.join(parts)} (installed only)")
    return stale


def pytest_sessionstart(session: pytest.Session) -> None:
    stale = _stale_modules()
    if stale:
        shown = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
        pytest.exit(f"the installed grcim differs from this checkout ({shown}); the tests "
                    f"import the installed copy: reinstall first with `{REINSTALL}`",
                    returncode=4)


@pytest.fixture(scope="session")
def read_doc() -> Callable[[str], str]:
    """Reader of ``docs/<name>`` beside the tests, for the tests that keep a reference page
    in step with the code; it skips when the docs are absent (an installed package)."""

    def read(name: str) -> str:
        path = CHECKOUT / "docs" / name
        if not path.is_file():
            pytest.skip(f"docs/{name} is not beside the tests (installed package without docs)")
        return path.read_text(encoding="utf-8")

    return read


@pytest.fixture(scope="session")
def tech28() -> Technology:
    """The bundled 28 nm technology (the default node)."""
    return load_technology("28nm")


def _with_slice_bits(op: object, structure: object = None, options: object = None,
                     pipeline: str = "grmac", ensemble: object = None) -> object:
    """``options`` with the Monte Carlo bits per sliced conversion the models pass to the
    per-MAC core (``EnergyOptions.slice_adc_bits``): the core functions called directly
    need them to price the same macro as the hwcomponents models."""
    from dataclasses import replace

    from grcim.physics.energy.macro import MacroStructure
    from grcim.physics.energy.per_mac import EnergyOptions
    from grcim.physics.settings import DEFAULTS
    from grcim.physics.slicing_point import structure_slice_bits

    st = structure if structure is not None else MacroStructure()
    opts = options if options is not None else EnergyOptions()
    ens = ensemble if ensemble is not None else DEFAULTS
    return replace(opts, slice_adc_bits=structure_slice_bits(ens, op, st, pipeline))


@pytest.fixture(scope="session")
def with_slice_bits():  # noqa: ANN201 - returns the function above
    """The function ``_with_slice_bits`` (tests call the core the way the models do)."""
    return _with_slice_bits


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[[list[str]], tuple[int, str, str]]:
    """``grcim ARGV`` run in-process: its exit code (argparse's ``SystemExit`` too), stdout
    and stderr."""
    from grcim.cli.main import main

    def run(argv: list[str]) -> tuple[int, str, str]:
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): (f"-> {p.readlink()}" if p.is_symlink() else
                                              "dir" if p.is_dir() else p.read_text())
            for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="session")
def folder_tree() -> Callable[[Path], dict[str, str]]:
    """Every entry under a folder and what it is (a link's target, not followed): equal
    before and after a refused command when nothing was written."""
    return _tree


@pytest.fixture
def forbid(monkeypatch: pytest.MonkeyPatch) -> Callable[[object, str, str], None]:
    """``forbid(owner, name, message)``: ``owner.name`` raises ``AssertionError(message)``
    when called (work that must not start before the outputs are checked)."""
    def replace(owner: object, name: str, message: str) -> None:
        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError(message)

        monkeypatch.setattr(owner, name, refuse)

    return replace

