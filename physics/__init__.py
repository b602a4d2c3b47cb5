"""grcim.physics: the science core every number rests on.

FP and integer formats (``formats``), operand ensembles (``distributions``), the
conventional and GR-MAC arithmetic pipelines (``pipelines``), SQNR and required ADC bits
(``sqnr``), the operating point of an ensemble at an SQNR standard (``operating_point``,
``integer_point``, ``slicing_point``), per-MAC energy and area of a CIM macro (``energy``)
and the technology constants (``technology``, bundled files in ``tech/``).

Imports only numpy/scipy/ml_dtypes and grcim's core modules: never the hwcomponents
models or the Accelergy shim (``grcim.plugins``), which are adapters over this package.
"""
