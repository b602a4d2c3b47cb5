"""Bundled CIM macro architectures (YAML data only; see docs/arch.md)."""
