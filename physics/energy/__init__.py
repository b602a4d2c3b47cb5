"""Energy models per action, in joules, as documented functions of technology parameters.

Physics only (numpy + grcim core); the hwcomponents / Accelergy adapters import these, never
the other way round. docs/models.md, section "Energy", gives every equation and source.
"""
