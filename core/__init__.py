"""grcim: floating-point analog compute-in-memory with Gain-Ranging MACs.

Subpackages (one-way imports, lower layers never import higher ones):

- ``grcim.plugins``: number formats, bit-true CIM pipelines, SQNR, energy laws, technology,
  and the hwcomponents / classic Accelergy estimator plug-ins;
- ``grcim.arch``: architecture YAML (CIM macros, chips) and its validated spec types;
- ``grcim.workloads``: LLM transformer operator graphs;
- ``grcim.mapper``: scheduling of workload graphs onto chips, pricing, reports;
- ``grcim.cli``: the ``grcim`` command.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("grcim")
except PackageNotFoundError:  # running from a bare checkout
    __version__ = "0+unknown"

__all__ = ["__version__"]
