"""Published integer CIM macros configured from their papers, priced by grcim's models.

Each :class:`PublishedMacro` names a silicon macro, its published energy efficiency, and the
``int_cim_mac`` attributes that describe it, every one justified from the paper (abstract
facts quoted in ``reasons``) or marked as grcim's technology default; nothing is fitted to
the published efficiency. :func:`compare` prices the macro and returns the ratio of grcim's
TOPS/W to the published one (2 operations per MAC; Jia et al. report "1b-TOPS/W", TOPS/W
times the input and weight bits, compared the same way). docs/calibration.md lists the
results and what the model leaves out; ``python -m grcim.studies.calibration`` prints them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["PublishedMacro", "MACROS", "compare", "Comparison"]


@dataclass(frozen=True)
class PublishedMacro:
    """A published macro and grcim's configuration of it.

    Attributes
    ----------
    name : str
        Short key.
    citation : str
        Paper.
    published_tops_per_w : float
        Headline efficiency (operations = 2 per MAC), TOPS/W; for ``one_bit_normalized``
        the paper's 1b-TOPS/W.
    one_bit_normalized : bool
        The paper reports 1-bit-equivalent operations (TOPS/W x input bits x weight bits).
    attributes : dict
        ``int_cim_mac`` attributes.
    reasons : dict
        Why each attribute has its value (paper fact or grcim default).
    """

    name: str
    citation: str
    published_tops_per_w: float
    one_bit_normalized: bool
    attributes: dict[str, Any]
    reasons: dict[str, str] = field(default_factory=dict)


SINANGIL = PublishedMacro(
    name="sinangil_jssc_2021",
    citation="M. E. Sinangil et al., IEEE JSSC 56(1), 2021, doi:10.1109/JSSC.2020.3031290",
    published_tops_per_w=351.0, one_bit_normalized=False,
    attributes={"technology": "7nm", "input_bits": 5, "weight_bits": 5, "n_rows": 64,
                "n_cols": 16, "cell_topology": "binary_weighted", "n_weight_slices": 1,
                "dac_kind": "pulse", "adc_bits": 4},
    reasons={
        "technology": "7-nm FinFET; grcim's 7 nm file (0.75 V; the paper runs at 0.8 V)",
        "input_bits": "4-bit unsigned inputs: 4 magnitude bits, grcim's signed widths add one",
        "weight_bits": "4-bit unsigned weights, likewise",
        "n_rows": "64 x 64 array: 1024 4b x 4b MACs at once = 64 rows x 16 weights",
        "n_cols": "16 weights per row (4 columns each, combined in the analog domain)",
        "cell_topology": "the 4-bit weight is realized by charge sharing among binary-"
                         "weighted computation caps",
        "n_weight_slices": "one binary-weighted cap array per weight",
        "dac_kind": "the 4-bit input is represented by the number of read word-line pulses",
        "adc_bits": "4-bit flash ADC per weight column",
    })

WANG = PublishedMacro(
    name="wang_vlsi_2022",
    citation="H. Wang et al., VLSI 2022 (and JSSC 2023), doi:10.1109/"
             "VLSITechnologyandCir46769.2022.9830322",
    published_tops_per_w=32.2, one_bit_normalized=False,
    attributes={"technology": "22nm", "input_bits": 8, "weight_bits": 8, "n_rows": 128,
                "n_cols": 128, "cell_topology": "c2c", "adc_bits": 8,
                "cell_capacitance": 0.4e-15},
    reasons={
        "technology": "Intel 22FFL; grcim's 22 nm file",
        "input_bits": "8-bit input activations",
        "weight_bits": "8-bit weights",
        "n_rows": "2k MACs per cycle on 16 8-bit weights per row (128 columns / 8 bits): "
                  "128 rows summed per conversion",
        "n_cols": "128 bit lines per row (512 x 128 array)",
        "cell_topology": "C-2C capacitor ladder per weight, charge-domain accumulation",
        "adc_bits": "8-bit output",
        "cell_capacitance": "unit capacitor not in the abstract: grcim's 22 nm minimum "
                            "matched capacitor (0.4 fF, technology default)",
    })

JIA = PublishedMacro(
    name="jia_jssc_2020",
    citation="H. Jia et al., IEEE JSSC 55(9), 2020, doi:10.1109/JSSC.2020.2987714",
    published_tops_per_w=192.0, one_bit_normalized=True,
    attributes={"technology": "65nm", "input_bits": 4, "weight_bits": 4, "n_rows": 2304,
                "n_cols": 768, "dac_bits": 1, "n_input_slices": 4, "cell_bits": 1,
                "n_weight_slices": 4, "adc_bits": 8, "cell_capacitance": 1.2e-15},
    reasons={
        "technology": "65-nm CMOS at 1.2 V (grcim's 65 nm file: 1.2 V)",
        "input_bits": "bit-scalable 1-8 b; 4 b (the paper's CIFAR-10 demonstration); the "
                      "1b-TOPS/W normalization makes the width nearly irrelevant",
        "weight_bits": "likewise",
        "n_rows": "768 x 768 array (590 kb) whose logical columns fold three physical "
                  "columns: 2304 products per column sum (3 x 3 x 256 CNN kernels)",
        "n_cols": "768 bit lines per row",
        "dac_bits": "bit-parallel / bit-serial scheme: inputs bit-serial",
        "n_input_slices": "one step per input bit",
        "n_weight_slices": "one bitcell per weight bit",
        "cell_bits": "one bit per multiplying bitcell, weights bit-parallel over columns",
        "adc_bits": "8-b SAR ADCs",
        "cell_capacitance": "1.2 fF capacitor per multiplying bitcell",
    })

MACROS: tuple[PublishedMacro, ...] = (SINANGIL, WANG, JIA)


@dataclass(frozen=True)
class Comparison:
    """grcim's price of a published macro.

    Attributes
    ----------
    macro : PublishedMacro
    energy_per_mac_j : float
        grcim's energy per MAC, J.
    model_tops_per_w : float
        grcim's efficiency on the paper's scale (2 ops per MAC; x bits for 1b-TOPS/W).
    ratio : float
        ``model_tops_per_w / published_tops_per_w`` (> 1: grcim is optimistic).
    adc_energy_share : float
        The ADC's share of grcim's energy.
    delivered_sqnr_db : float
        SQNR the configuration delivers in grcim's model, dB.
    """

    macro: PublishedMacro
    energy_per_mac_j: float
    model_tops_per_w: float
    ratio: float
    adc_energy_share: float
    delivered_sqnr_db: float


def compare(macro: PublishedMacro) -> Comparison:
    """Price ``macro`` with the ``int_cim_mac`` model and compare with the paper."""
    from grcim.plugins.models import IntCIMMAC

    attrs = {**IntCIMMAC.attribute_defaults(), **macro.attributes}
    costs = IntCIMMAC.evaluate_scaled(attrs, 1)
    energy = float(costs.energy_j["compute"][0])
    tops = 2.0 / energy / 1e12
    if macro.one_bit_normalized:
        tops *= macro.attributes["input_bits"] * macro.attributes["weight_bits"]
    return Comparison(macro, energy, tops, tops / macro.published_tops_per_w,
                      float(costs.info["adc_energy_share"][0]),
                      float(costs.info["delivered_sqnr_db"][0]))


def main() -> None:  # pragma: no cover - prints the table of docs/calibration.md
    print(f"{'macro':22s} {'published':>10s} {'grcim':>10s} {'ratio':>6s} {'fJ/MAC':>8s} "
          f"{'ADC share':>9s}")
    for m in MACROS:
        c = compare(m)
        print(f"{m.name:22s} {m.published_tops_per_w:10.1f} {c.model_tops_per_w:10.1f} "
              f"{c.ratio:6.2f} {c.energy_per_mac_j * 1e15:8.2f} {c.adc_energy_share:9.2f}")


if __name__ == "__main__":  # pragma: no cover
    main()
