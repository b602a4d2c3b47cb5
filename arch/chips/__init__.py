"""Bundled chip architectures (YAML data only; see docs/arch.md)."""
