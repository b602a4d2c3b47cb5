"""grcim: floating-point analog compute-in-memory with Gain-Ranging MACs.

Subpackages (one-way imports, lower layers never import higher ones):

- ``grcim.plugins``: number formats, bit-true CIM pipelines, SQNR, energy laws, technology,
  and the hwcomponents / classic Accelergy estimator plug-ins;
- ``grcim.arch``: architecture YAML (CIM macros, chips) and its validated spec types;
- ``grcim.workloads``: LLM transformer operator graphs;
- ``grcim.mapper``: scheduling of workload graphs onto chips, pricing, reports;
- ``grcim.cli``: the ``grcim`` command.
"""

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # Looked up on first use: importing grcim (and starting the grcim command, which
    # installs its signal handlers only once its modules are imported) stays instant.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("grcim")
        except PackageNotFoundError:  # running from a bare checkout
            return "0+unknown"
    raise AttributeError(f"module 'grcim' has no attribute {name!r}")
