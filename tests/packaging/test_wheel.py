"""What a regular install of grcim contains, and that hwcomponents then discovers its models.

The file list comes from the installed distribution's RECORD when grcim is installed
regularly (CI: README set-up), else from a wheel built from this checkout with
``pip wheel`` (needs the package index for the build backend; skipped, with the reason, if
that fails). Discovery is checked in a regular install: this environment in CI, or a
temporary virtual environment holding the built wheel (its other dependencies are borrowed
from this environment through a ``.pth`` file).
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARE = "share/accelergy/estimation_plug_ins/grcim/"
COMPONENTS = ("gr_mac", "conventional_fp_mac", "int_cim_mac", "gain_ranging_stage",
              "exponent_normalizer", "grcim_adc", "cim_dac")


def _installed() -> importlib.metadata.Distribution:
    """The installed grcim (not a setuptools ``grcim.egg-info`` left in the checkout, which
    ``python -m pytest`` would find first through the working directory)."""
    for dist in importlib.metadata.distributions(name="grcim"):
        if Path(str(dist.locate_file(""))).resolve() != REPO:
            return dist
    return importlib.metadata.distribution("grcim")


def _editable() -> bool:
    text = _installed().read_text("direct_url.json") or "{}"
    return bool(json.loads(text).get("dir_info", {}).get("editable", False))


def _canonical(path: str) -> str:
    """Wheel ``grcim-X.data/data/share/...`` and RECORD ``../../../share/...`` -> ``share/...``."""
    return path[path.index("share/"):] if "share/accelergy/" in path else path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A wheel built from the checkout, or None when grcim is installed regularly."""
    if not _editable():
        return None
    out = tmp_path_factory.mktemp("wheel")
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                          str(out), str(REPO)], capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"cannot build the wheel here (pip needs the build backend from the "
                    f"package index): {last}")
    return next(out.glob("grcim-*.whl"))


@pytest.fixture(scope="module")
def files(wheel: Path | None) -> set[str]:
    if wheel is None:
        record = _installed().files or []
        names = {f.as_posix() for f in record}
    else:
        names = set(zipfile.ZipFile(wheel).namelist())
    return {_canonical(n) for n in names if "__pycache__" not in n}


def _config() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"]


def test_every_listed_package_is_shipped(files: set[str]) -> None:
    for package in _config()["packages"]:
        assert f"{package.replace('.', '/')}/__init__.py" in files, package


def test_every_package_in_the_tree_is_listed() -> None:
    cfg = _config()
    listed, dirs = set(cfg["packages"]), cfg["package-dir"]
    mapped = {(REPO / d).resolve() for d in dirs.values()}
    for package, folder in dirs.items():
        root = (REPO / folder).resolve()
        for init in root.rglob("__init__.py"):
            here = init.parent
            if here != root and (here in mapped or "__pycache__" in here.parts):
                continue
            name = ".".join([package, *here.relative_to(root).parts])
            assert name in listed, f"{name} ({here}) is missing from packages"


def test_plugin_files_bundled_data_and_accelergy_shim(files: set[str]) -> None:
    for module in ("gr_mac", "conventional_fp_mac", "int_cim_mac", "gain_ranging_stage",
                   "exponent_normalizer", "cim_adc", "cim_dac", "batch", "technode"):
        assert f"grcim/plugins/models/{module}.py" in files
    assert "hwcomponents_grcim/__init__.py" in files
    assert "grcim/plugins/tables.py" in files and "grcim/cli/table.py" in files
    assert "grcim/physics/tech/28nm.yaml" in files
    assert f"{SHARE}grcim_estimators.py" in files and f"{SHARE}grcim.estimator.yaml" in files
    assert "grcim/plugins/accelergy/grcim_estimators.py" in files


def test_no_generic_top_level_names(files: set[str]) -> None:
    tops = {f.split("/", 1)[0] for f in files if "/" in f}
    assert not tops & {"tests", "plugins", "mapper", "arch", "workloads", "benchmarks", "docs"}


@pytest.fixture(scope="module")
def installed_python(wheel: Path | None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python in which grcim is regularly installed."""
    if wheel is None:
        return Path(sys.executable)
    env = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True,
                   timeout=300)
    python = env / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_path('purelib'))"], check=True,
                             capture_output=True, text=True).stdout.strip()
    # dependencies come from this environment; its editable grcim hook (a .pth of that
    # folder) is not processed because the folder is added as a plain path
    Path(purelib, "_grcim_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                          "-q", "--no-deps", str(wheel)], capture_output=True, text=True,
                         timeout=600)
    if run.returncode != 0:
        pytest.skip(f"pip cannot install into another environment here: {run.stderr[-200:]}")
    return python


def test_hwc_list_and_discovery_in_a_regular_install(installed_python: Path,
                                                     tmp_path: Path) -> None:
    script = ("import sys\nfrom hwcomponents.hwcomponents import _main\n"
              "sys.argv = ['hwc', '--list']\n_main()\n")
    listing = subprocess.run([str(installed_python), "-c", script], cwd=tmp_path,
                             capture_output=True, text=True, timeout=300, check=True).stdout
    for name in COMPONENTS:
        assert f"{name}(" in listing, name
    query = ("import hwcomponents, grcim\n"
             "c = hwcomponents.get_action_cost('cim_dac', {'n_bits': 5}, 'convert', {})\n"
             "print(repr(c.energy)); print(grcim.__file__)\n")
    out = subprocess.run([str(installed_python), "-c", query], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, check=True).stdout.split()
    from grcim.physics.technology import load_technology

    t = load_technology("28nm")  # DAC: a C_min 2**(b-1) V_s V_dd, with b = 5
    assert float(out[0]) == pytest.approx(
        t.activity * t.c_unit_min_f * 16 * t.analog_swing_v * t.vdd_v, rel=1e-12)
    # the installed copy answered, not the checkout's grcim/ folder
    assert Path(out[1]).resolve() != (REPO / "core" / "__init__.py").resolve()
    assert "site-packages" in Path(out[1]).parts


def test_grcim_plugins_reports_the_installed_shim(installed_python: Path,
                                                  tmp_path: Path) -> None:
    grcim = installed_python.parent / "grcim"
    out = subprocess.run([str(grcim), "plugins"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, check=True).stdout
    assert "discovery: hwcomponents discovers 7 grcim models" in out
    installed = [line for line in out.splitlines() if line.strip().startswith("installed:")]
    folder = Path(installed[0].split(":", 1)[1].strip())
    assert (folder / "grcim.estimator.yaml").is_file()
    assert (folder / "grcim_estimators.py").is_file()
