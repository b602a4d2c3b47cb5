"""Options that would do nothing are refused, one line, before any work (never ignored).

``map`` and ``export`` refuse ``--tokens`` with ``--phase decode``; ``--objective`` and
``--no-replicate`` are refused with ``--engine accelforge``; ``--einsum-layer`` without
``--einsum`` and ``--name`` without ``--format yaml`` were already refused. These are the
combinations that ran and dropped the option without a word.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grcim.cli.main import main

TINY = Path(__file__).parent.parent / "mapper" / "conftest.py"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# --- compare --phase decode --tokens T: compare passes --tokens to prefill only ----------

def test_compare_refuses_tokens_with_decode_as_map_does(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    code, _, err = run(capsys, "compare", "--phase", "decode", "--tokens", "4", "--out",
                       str(out))
    assert code == 1 and not out.exists()
    line = one_line_error(err)
    code, _, err = run(capsys, "map", "--phase", "decode", "--tokens", "4")
    assert code == 1
    assert line == one_line_error(err).replace("grcim map:", "grcim compare:")
    assert line == ("grcim compare: error: <command line>: --tokens = 4: an integer 1..1 "
                    "(decode processes one token per sequence)")


def test_compare_takes_what_map_takes(capsys: pytest.CaptureFixture[str],
                                      tiny_files: dict[str, str]) -> None:
    # one token is what decode maps (map accepts it); with both phases, prefill uses it
    for phase, tokens in (("decode", "1"), ("both", "4")):
        code, _, err = run(capsys, "compare", "--arch", tiny_files["chip"], "--models",
                           tiny_files["models"], "--phase", phase, "--tokens", tokens)
        assert (code, err) == (0, "")


# --- workload list: lists the models; every step option would be ignored --------------

@pytest.mark.parametrize(("argv", "shown"), [
    (["--phase", "decode"], "--phase = 'decode'"),
    (["--batch", "1"], "--batch = '1'"),
    (["--tokens", "4"], "--tokens = '4'"),
    (["--context", "64"], "--context = '64'"),
    (["--weight-bits", "8"], "--weight-bits = '8'"),
    (["--act-bits", "4"], "--act-bits = '4'"),
    (["--kv-bits", "4"], "--kv-bits = '4'"),
    (["--lm-head-all-tokens"], "--lm-head-all-tokens = True"),
    (["--json", "{d}/list.json"], "--json = '{d}/list.json'"),
    (["--einsum", "{d}/list.yaml"], "--einsum = '{d}/list.yaml'"),
    (["--einsum-layer", "0"], "--einsum-layer = '0'"),
])
def test_workload_list_refuses_the_step_options(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path, argv: list[str],
                                                shown: str) -> None:
    code, out, err = run(capsys, "workload", "list", *(a.format(d=tmp_path) for a in argv))
    assert code == 1 and out == "" and list(tmp_path.iterdir()) == []
    assert one_line_error(err) == (
        f"grcim workload: error: <command line>: {shown.format(d=tmp_path)}: left out with "
        "'workload list' (it lists the models; only --models applies)")


def test_workload_defaults_still_apply(capsys: pytest.CaptureFixture[str],
                                       tiny_files: dict[str, str]) -> None:
    # --batch and the bit widths lost their argparse defaults (to tell given from not)
    code, out, err = run(capsys, "workload", "list", "--models", tiny_files["models"])
    assert (code, err) == (0, "") and "tiny-llama *" in out
    code, _, err = run(capsys, "workload", "tiny-llama", "--models", tiny_files["models"],
                       "--phase", "decode", "--json", "/dev/null")
    assert (code, err) == (0, "")
    code, _, err = run(capsys, "workload", "tiny-llama", "--models", tiny_files["models"],
                       "--phase", "decode", "--batch", "")
    assert code == 1 and "--batch = '': an integer 1.." in one_line_error(err)


# --- the other combinations that ran and dropped an option -----------------------------

@pytest.mark.parametrize(("argv", "line"), [
    # --ops adds every op to the JSON: without --json it did nothing
    (["map", "--phase", "decode", "--ops"],
     "--ops = True: used only with --json FILE (it adds every op to the JSON)"),
    (["map", "--phase", "decode", "--ops", "--report", "{d}/r.md"],
     "--ops = True: used only with --json FILE"),
    # the leak action's cycle exists only in the ERT (yaml); the others give leakage power
    (["table", "cim_dac", "--set", "n_bits=4", "--cycle-seconds", "2e-9"],
     "--cycle-seconds = '2e-9': used only with --format yaml (the ERT's leak action; the "
     "other formats give leakage power)"),
    (["table", "cim_dac", "--set", "n_bits=4", "--format", "csv", "--out", "{d}/t.csv",
      "--cycle-seconds", "1e-9"], "--cycle-seconds = '1e-9': used only with --format yaml"),
    # --x picks the plot's axis: without --plot it did nothing
    (["table", "cim_dac", "--sweep", "n_bits=2,4", "--x", "n_bits"],
     "--x = 'n_bits': used only with --plot FILE (the plot's x axis)"),
    # decode has one new token per sequence: the LM head projects it either way
    (["workload", "gpt2", "--phase", "decode", "--lm-head-all-tokens", "--json", "{d}/w.json"],
     "--lm-head-all-tokens = True: used only with --phase prefill (decode has one new token "
     "per sequence, which the LM head projects either way)"),
])
def test_an_option_that_would_do_nothing_is_refused(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path, argv: list[str],
                                                    line: str) -> None:
    code, out, err = run(capsys, *(a.format(d=tmp_path) for a in argv))
    assert code == 1 and out == "" and list(tmp_path.iterdir()) == []
    command = argv[0]
    assert one_line_error(err).startswith(f"grcim {command}: error: <command line>: {line}")


def test_the_same_options_where_they_act(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path, tiny_files: dict[str, str]) -> None:
    code, out, err = run(capsys, "table", "cim_dac", "--set", "n_bits=4", "--format", "yaml",
                         "--cycle-seconds", "2e-9")
    assert (code, err) == (0, "") and "global_cycle_seconds: 2.0e-09" in out
    plot = tmp_path / "p.png"
    code, _, err = run(capsys, "table", "cim_dac", "--sweep", "n_bits=2,4", "--plot",
                       str(plot), "--x", "n_bits")
    assert (code, err) == (0, "") and plot.stat().st_size > 0
    code, _, err = run(capsys, "workload", "tiny-llama", "--models", tiny_files["models"],
                       "--phase", "prefill", "--tokens", "4", "--lm-head-all-tokens")
    assert (code, err) == (0, "")
