"""Attribute values a user may write that the models must refuse in one line, or read as the
rule says: integers too large for a float, ADC resolutions and rates named by the user's
own attributes, numeric spellings of ``technology``, lists on vector attributes.

References: docs/plugins.md (attribute ranges, "ENOB 0.5 to 20 bits", the one rule for
``technology`` "whatever the spelling", Accelergy's nm-if->=1 convention), the Accelergy
adapter's own reading of ``technology`` (``technology_to_metres``), and the project's rule
for bad input: one line naming the key, the value and what is allowed, no traceback.
"""

from __future__ import annotations

import numpy as np
import pytest

from grcim.cli.main import main
from grcim.errors import ModelDomainError
from grcim.plugins.accelergy.adapter import technology_to_metres
from grcim.plugins.models import CIMADC, CIMDAC, GainRangingMAC
from grcim.plugins.tables import build_table

BIG = 10**400  # exact in Python, too large for a float: float(BIG) raises OverflowError
INT8 = {"input_bits": 8, "weight_bits": 8}


# ----------------------------------------------- integers too large for a float (bug 2)

@pytest.mark.parametrize(("key", "allowed"), [
    ("n_rows", "an integer from 1 to 4096"), ("n_cols", "an integer from 1 to 65536"),
    ("sqnr_target_db", "a number from"), ("throughput", "a number from 1 to 1e+12"),
    ("dynamic_range_bits", "a number from 0 to 40"), ("adc_bits", "a number from 0.5 to 20"),
    ("tech_node", "a feature size in metres from 7e-09 to 1.3e-07"),
    ("technology", "a node size from 7nm to 130nm"),
])
def test_a_huge_integer_is_refused_in_one_short_line(key: str, allowed: str) -> None:
    # every one of these raised OverflowError with a traceback
    with pytest.raises(ModelDomainError) as info:
        build_table("gr_mac", {key: BIG})
    msg = str(info.value)
    assert msg.startswith(f"{key} = 1000") and "..." in msg  # the value, shortened
    assert allowed in msg and "\n" not in msg and len(msg) < 400


@pytest.mark.parametrize("key", ["n_rows", "n_cols", "dynamic_range_bits", "sqnr_target_db"])
def test_a_huge_integer_in_a_sweep_is_refused_in_one_short_line(key: str) -> None:
    with pytest.raises(ModelDomainError) as info:
        build_table("gr_mac", sweep={key: [1 if key != "sqnr_target_db" else 30, BIG]})
    msg = str(info.value)
    assert msg.startswith(f"{key} = 1000") and "\n" not in msg and len(msg) < 400


def test_a_huge_integer_in_a_direct_query_is_a_model_domain_error() -> None:
    for kwargs in ({"n_rows": BIG}, {"tech_node": BIG}, {"technology": BIG}):
        with pytest.raises(ModelDomainError):
            GainRangingMAC(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ModelDomainError, match="n_dacs = 1000"):
        CIMDAC(n_bits=4, n_dacs=BIG)


def test_the_cli_refuses_a_huge_integer_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["table", "gr_mac", "--set", f"n_rows={BIG}"])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert code != 0 and captured.out == ""
    assert len(lines) == 1 and "n_rows = 1000" in lines[0] and "Traceback" not in lines[0]



def test_an_integer_too_long_to_print_is_refused_in_one_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    # Python refuses to convert or print an integer of more than 4300 digits: the command
    # line's parser and the error's value display both used to raise from there
    digits = "1" + "0" * 5000
    code = main(["table", "gr_mac", "--set", f"n_rows={digits}"])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert code != 0 and captured.out == "" and len(lines) == 1
    assert "n_rows = '1000" in lines[0] and "an integer from 1 to 4096" in lines[0]
    with pytest.raises(ModelDomainError) as info:
        GainRangingMAC(n_rows=10**5000)  # type: ignore[arg-type]
    assert str(info.value).startswith("n_rows = <an integer of about 5000 digits>")

# ------------------------------------------ names and domains the user wrote (bug 6)

@pytest.mark.parametrize(("component", "fixed", "bits"), [
    ("gr_mac", {}, 25), ("gr_mac", {}, 32), ("int_cim_mac", INT8, 21),
    ("conventional_fp_mac", {}, 20.5)])
def test_adc_bits_beyond_the_laws_are_refused_as_adc_bits(component: str, fixed: dict,
                                                          bits: float) -> None:
    # the domain said up to 32; 20 < adc_bits <= 32 then failed as 'enob = 25.0'
    with pytest.raises(ModelDomainError) as info:
        build_table(component, {**fixed, "adc_bits": bits})
    assert info.value.item == "adc_bits"
    assert str(info.value) == f"adc_bits = {bits}: a number from 0.5 to 20"


def test_the_top_of_the_adc_bits_domain_is_priced() -> None:
    # 20 bits, the top of the documented range, must be priced, not refused later
    table = build_table("gr_mac", {"adc_bits": 20})
    assert table.info["adc_bits"][0] == 20.0 and np.isfinite(table.energy_j["compute"][0])


def test_an_adc_rate_out_of_range_names_throughput_and_n_adcs() -> None:
    # it named 'adc_rate', an attribute grcim_adc does not have
    with pytest.raises(ModelDomainError) as info:
        build_table("grcim_adc", {"n_bits": 8, "throughput": 1, "n_adcs": 4})
    msg = str(info.value)
    assert msg.startswith("throughput / n_adcs = 0.25: ")  # 1 conversion/s over 4 ADCs
    assert "throughput = 1 for n_adcs = 4" in msg and "adc_rate" not in msg
    assert "from 1 to 1e+12" in msg
    with pytest.raises(ModelDomainError, match=r"throughput / n_adcs = 0\.5"):
        CIMADC(n_bits=8, throughput=1.0, n_adcs=2)


def test_an_adc_rate_at_the_bottom_of_the_range_is_priced() -> None:
    # 4 conversions/s over 4 ADCs: 1 per ADC, the bottom of the range, is served
    table = build_table("grcim_adc", {"n_bits": 8, "throughput": 4, "n_adcs": 4})
    assert np.isfinite(table.energy_j["convert"][0])


# ------------------------------------------------- numeric technology spellings (bug 7)

@pytest.mark.parametrize("spelling", [np.int64(22), np.int32(22), np.float32(22), "22",
                                      " 22 ", "22.0"])
def test_every_number_and_numeric_text_is_a_node_size(spelling: object) -> None:
    # np.int64(22) was read as 22 metres and "22" was refused, while 22 and "22 nm" worked
    ref = CIMDAC(n_bits=4, technology="22nm")
    got = CIMDAC(n_bits=4, technology=spelling)  # type: ignore[arg-type]
    assert got.area == ref.area and got.convert().energy == ref.convert().energy
    # the Accelergy adapter reads the same text as the same node
    if isinstance(spelling, str):
        assert technology_to_metres(spelling) == pytest.approx(22e-9, rel=1e-12)


def test_a_numeric_text_between_nodes_is_that_size() -> None:
    # 30 nm is no bundled node: text and number must give the same interpolated technology
    for spelling in ("30", np.int64(30)):
        got = build_table("gr_mac", {"technology": spelling})
        ref = build_table("gr_mac", {"technology": 30})
        assert got.energy_j["compute"][0] == ref.energy_j["compute"][0]
        assert got.area_m2[0] == ref.area_m2[0]


@pytest.mark.parametrize("value", [True, np.bool_(True), "300", "nan", "1e400"])
def test_non_sizes_stay_refused(value: object) -> None:
    with pytest.raises(ModelDomainError, match=r"technology = .*: a bundled node"):
        CIMDAC(n_bits=4, technology=value)  # type: ignore[arg-type]


# ------------------------------------------------------- lists on vector attributes (bug 8)

@pytest.mark.parametrize("value", [[1, 2], [0.5, 1.0, 2.0]])
def test_a_list_on_a_vector_attribute_is_a_model_domain_error(value: list) -> None:
    # it raised numpy's "operands could not be broadcast together" ValueError
    with pytest.raises(ModelDomainError) as info:
        GainRangingMAC(dynamic_range_bits=value)  # type: ignore[arg-type]
    assert str(info.value) == f"dynamic_range_bits = {value}: a number from 0 to 40"
