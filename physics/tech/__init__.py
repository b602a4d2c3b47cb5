"""Bundled technology files (``28nm.yaml`` default, ``22nm.yaml``, ``7nm.yaml``)."""
